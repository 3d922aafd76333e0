//! Loading and validating the configuration from files and the environment.
// figment::Jail closures must return figment::Result, whose error type is large.
#![allow(clippy::result_large_err)]

use std::path::Path;

use figment::Jail;
use workbench_config::{AuthMode, Config, ConfigError};

fn load_in_jail(jail: &Jail, file: Option<&str>) -> Result<Config, ConfigError> {
    let path = file.map(|contents| {
        jail.create_file("workbench.toml", contents)
            .expect("write config file");
        jail.directory().join("workbench.toml")
    });
    Config::from_figment(Config::figment(path.as_deref()))
}

fn err_text(result: Result<Config, ConfigError>) -> String {
    result.expect_err("config should be refused").to_string()
}

#[test]
fn defaults_need_no_file() {
    Jail::expect_with(|jail| {
        let config = load_in_jail(jail, None).expect("defaults are valid");
        assert_eq!(config.server.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.auth.mode, AuthMode::Local);
        assert_eq!(config.server.site_root, Path::new("target/site"));
        Ok(())
    });
}

#[test]
fn file_values_and_env_overrides() {
    Jail::expect_with(|jail| {
        jail.set_env("WORKBENCH_SERVER__ADDR", "127.0.0.1:4100");
        let config = load_in_jail(
            jail,
            Some("[server]\naddr = \"127.0.0.1:4000\"\nsite_root = \"/srv/site\"\n[log]\nfilter = \"debug\"\n"),
        )
        .expect("valid");
        assert_eq!(config.server.addr.port(), 4100, "env wins over the file");
        assert_eq!(config.server.site_root, Path::new("/srv/site"));
        assert_eq!(config.log.filter, "debug");
        Ok(())
    });
}

#[test]
fn variables_without_a_section_are_not_config() {
    Jail::expect_with(|jail| {
        jail.set_env("WORKBENCH_CONFIG", "/somewhere/else.toml");
        jail.set_env("WORKBENCH_TOOLS_CACHE", "/tmp/x");
        load_in_jail(jail, None).expect("ignored");
        Ok(())
    });
}

#[test]
fn cloudflare_access_from_env_with_comma_separated_lists() {
    Jail::expect_with(|jail| {
        jail.set_env("WORKBENCH_SERVER__ADDR", "0.0.0.0:3000");
        jail.set_env("WORKBENCH_AUTH__MODE", "cloudflare-access");
        jail.set_env("WORKBENCH_AUTH__TEAM_DOMAIN", "myteam.cloudflareaccess.com");
        jail.set_env("WORKBENCH_AUTH__AUDIENCES", "aud-one");
        jail.set_env("WORKBENCH_AUTH__ADMINS", "a@example.com, B@Example.com");
        let config = load_in_jail(jail, None).expect("valid");
        assert_eq!(config.auth.mode, AuthMode::CloudflareAccess);
        assert_eq!(config.auth.audiences, ["aud-one"]);
        assert!(config.auth.is_admin("b@example.com"));
        assert!(!config.auth.is_admin("c@example.com"));
        Ok(())
    });
}

#[test]
fn local_mode_refuses_a_public_address() {
    Jail::expect_with(|jail| {
        let text = err_text(load_in_jail(
            jail,
            Some("[server]\naddr = \"0.0.0.0:3000\"\n"),
        ));
        assert!(text.contains("server.addr"), "{text}");
        assert!(
            text.contains("cloudflare-access"),
            "says how to enable auth: {text}"
        );
        Ok(())
    });
}

#[test]
fn ipv6_loopback_is_fine_in_local_mode() {
    Jail::expect_with(|jail| {
        load_in_jail(jail, Some("[server]\naddr = \"[::1]:3000\"\n")).expect("valid");
        Ok(())
    });
}

#[test]
fn cloudflare_access_needs_team_audience_and_admins() {
    Jail::expect_with(|jail| {
        let base = "[auth]\nmode = \"cloudflare-access\"\n";
        let text = err_text(load_in_jail(jail, Some(base)));
        assert!(text.contains("auth.team_domain"), "{text}");

        let text = err_text(load_in_jail(
            jail,
            Some(&format!("{base}team_domain = \"t.cloudflareaccess.com\"\n")),
        ));
        assert!(text.contains("auth.audiences"), "{text}");

        let text = err_text(load_in_jail(
            jail,
            Some(&format!(
                "{base}team_domain = \"t.cloudflareaccess.com\"\naudiences = [\"x\"]\n"
            )),
        ));
        assert!(text.contains("auth.admins"), "{text}");

        let text = err_text(load_in_jail(
            jail,
            Some(&format!(
                "{base}team_domain = \"t.cloudflareaccess.com\"\naudiences = [\"x\"]\nadmins = [\"not-an-email\"]\n"
            )),
        ));
        assert!(text.contains("not an e-mail"), "{text}");

        let text = err_text(load_in_jail(
            jail,
            Some(&format!(
                "{base}team_domain = \"t.example.com/some path\"\n"
            )),
        ));
        assert!(text.contains("not a host name"), "{text}");
        Ok(())
    });
}

#[test]
fn unknown_keys_are_named() {
    Jail::expect_with(|jail| {
        let text = err_text(load_in_jail(
            jail,
            Some("[server]\nadress = \"127.0.0.1:1\"\n"),
        ));
        assert!(text.contains("adress"), "{text}");
        assert!(text.contains("server"), "{text}");
        Ok(())
    });
}

#[test]
fn wrong_types_name_the_key() {
    Jail::expect_with(|jail| {
        let text = err_text(load_in_jail(
            jail,
            Some("[server]\naddr = \"not an address\"\n"),
        ));
        assert!(text.starts_with("config: server.addr:"), "{text}");

        let text = err_text(load_in_jail(jail, Some("[auth]\nmode = \"magic\"\n")));
        assert!(text.contains("auth.mode"), "{text}");
        assert!(
            text.contains("cloudflare-access"),
            "lists the choices: {text}"
        );
        Ok(())
    });
}

#[test]
fn malformed_and_hostile_files_are_errors_not_panics() {
    Jail::expect_with(|jail| {
        for contents in [
            "[server\naddr = ",
            "\u{0}\u{1}\u{2}binary",
            "server = 5",
            "[[server]]\naddr = \"127.0.0.1:1\"",
            &"[a]\n".repeat(100_000),
            &format!("[log]\nfilter = \"{}\"\n", "x".repeat(5_000_000)),
        ] {
            let _ = load_in_jail(jail, Some(contents));
        }
        let text = err_text(load_in_jail(jail, Some("[server\naddr = ")));
        assert!(text.starts_with("config:"), "{text}");
        Ok(())
    });
}

#[test]
fn a_named_file_must_exist() {
    let err = Config::load(Some(Path::new("/nonexistent/workbench.toml"))).expect_err("missing");
    assert!(matches!(err, ConfigError::MissingFile(_)));
    assert!(err.to_string().contains("/nonexistent/workbench.toml"));
}

#[test]
fn the_example_file_is_valid_and_documents_every_key() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workbench.example.toml");
    let text = std::fs::read_to_string(&example).expect("read workbench.example.toml");
    let config = Config::from_figment(Config::figment(Some(&example))).expect("example is valid");
    assert_eq!(config, Config::default(), "the example shows the defaults");

    let defaults =
        figment::Figment::from(figment::providers::Serialized::defaults(Config::default()));
    let value: figment::value::Dict = defaults.extract().expect("dict");
    for (section, keys) in value {
        assert!(
            text.contains(&format!("[{section}]")),
            "example lacks [{section}]"
        );
        if let figment::value::Value::Dict(_, keys) = keys {
            for key in keys.keys() {
                assert!(
                    text.contains(&format!("\n{key} =")) || text.contains(&format!("\n# {key} =")),
                    "example lacks {section}.{key}"
                );
            }
        }
    }
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_files_never_panic(contents in ".{0,400}") {
            Jail::expect_with(|jail| {
                let _ = load_in_jail(jail, Some(&contents));
                Ok(())
            });
        }
    }
}

#[test]
fn docker_hosts_are_checked() {
    Jail::expect_with(|jail| {
        let text = err_text(load_in_jail(
            jail,
            Some("[docker]\nhosts = [{ name = \"nas\", endpoint = \"tcp://nas:2375\" }]\n"),
        ));
        assert!(
            text.contains("docker.hosts") && text.contains("TLS"),
            "{text}"
        );
        let text = err_text(load_in_jail(
            jail,
            Some("[docker]\nhosts = [{ name = \"a b\", endpoint = \"unix:///x\" }]\n"),
        ));
        assert!(text.contains("docker.hosts"), "{text}");
        let text = err_text(load_in_jail(
            jail,
            Some("[docker]\ncontainers = [{ host = \"elsewhere\", container = \"rt\" }]\n"),
        ));
        assert!(text.contains("docker.containers"), "{text}");
        let ok = load_in_jail(
            jail,
            Some(
                "[docker]\nhosts = [{ name = \"local\", endpoint = \"unix:///var/run/docker.sock\" }, \
                 { name = \"nas\", endpoint = \"tcp://nas:2376\", tls_ca = \"/c/ca.pem\", tls_cert = \"/c/cert.pem\", tls_key = \"/c/key.pem\" }]\n\
                 containers = [{ host = \"nas\", container = \"rutorrent\", display_name = \"Argonaut\" }]\n",
            ),
        )
        .expect("valid");
        assert_eq!(ok.docker.hosts.len(), 2);
        let text = err_text(load_in_jail(jail, Some("[docker]\nconcurrency = 0\n")));
        assert!(text.contains("docker.concurrency"), "{text}");
        Ok(())
    });
}
