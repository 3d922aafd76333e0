//! Loading a config file written into a figment `Jail`, shared by the config test binaries.

use figment::Jail;
use workbench_config::{Config, ConfigError};

/// Loads `contents` as workbench.toml, plus the jail's environment.
pub fn load(jail: &Jail, contents: &str) -> Result<Config, ConfigError> {
    jail.create_file("workbench.toml", contents)
        .expect("write config file");
    Config::from_figment(Config::figment(Some(
        &jail.directory().join("workbench.toml"),
    )))
}

/// The message a refused config gives.
pub fn refused(jail: &Jail, contents: &str) -> String {
    load(jail, contents)
        .expect_err("should be refused")
        .to_string()
}
