//! Workbench's one typed configuration: an optional `workbench.toml` overlaid with
//! `WORKBENCH_SECTION__KEY` environment variables, validated once at start-up so a
//! mistake is reported with the key that holds it and how to fix it.

mod brain;
mod code;
mod content;
mod docker;
mod hosts;
mod terminal;
pub mod terminal_theme;
mod validate;

pub use brain::{BrainConfig, VectorFormat};
pub use code::CodeConfig;
pub use hosts::{HostConfig, HostLink};

pub use content::ContentConfig;
pub use docker::{
    DockerConfig, DockerHost, MANAGED_LABEL, ManagedContainer, ServiceGroup, is_simple_name,
};

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize};

pub use terminal::{
    TerminalBackend, TerminalCompression, TerminalConfig, TerminalProfile, is_profile_name,
};

/// The file read when `--config` is not given, if it exists in the working directory.
pub const DEFAULT_FILE: &str = "workbench.toml";
/// Environment variables with this prefix and a `__` between section and key override the file.
pub const ENV_PREFIX: &str = "WORKBENCH_";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub log: LogConfig,
    pub auth: AuthConfig,
    pub code: CodeConfig,
    pub hosts: Vec<HostConfig>,
    pub docker: DockerConfig,
    pub content: ContentConfig,
    pub terminal: TerminalConfig,
    pub brain: BrainConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub addr: SocketAddr,
    /// The site built by cargo-leptos: `pkg/` (WASM, JS, CSS) and the public assets.
    pub site_root: PathBuf,
    /// Where Workbench keeps its own data: the service panel's audit log, and the SQLite
    /// store shared by Resources search and the Brain.
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` env-filter directive; `RUST_LOG` wins when set.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// No authentication: only a loopback address may be bound.
    Local,
    /// Every private request carries a Cloudflare Access JWT that the server verifies.
    CloudflareAccess,
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthMode::Local => "local",
            AuthMode::CloudflareAccess => "cloudflare-access",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// `myteam.cloudflareaccess.com`: the issuer, and where the signing keys are published.
    pub team_domain: Option<String>,
    /// The Access application's AUD tag(s).
    #[serde(deserialize_with = "list_or_csv")]
    pub audiences: Vec<String>,
    /// E-mail addresses allowed on admin routes (terminals, Docker, the service panel).
    #[serde(deserialize_with = "list_or_csv")]
    pub admins: Vec<String>,
    /// Where to fetch the signing keys, when not `https://<team_domain>/cdn-cgi/access/certs`.
    pub certs_url: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 3000)),
            site_root: PathBuf::from("target/site"),
            data_dir: PathBuf::from("data"),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            filter: "info".into(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::Local,
            team_domain: None,
            audiences: Vec::new(),
            admins: Vec::new(),
            certs_url: None,
        }
    }
}

impl ServerConfig {
    /// The store file shared by Resources search and the Brain.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("workbench.sqlite3")
    }
}

impl AuthConfig {
    pub fn is_admin(&self, email: &str) -> bool {
        self.admins.iter().any(|a| a.eq_ignore_ascii_case(email))
    }
}

/// Accepts a TOML list or, for environment variables, a comma-separated string.
fn list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(d)? {
        ListOrCsv::List(items) => items,
        ListOrCsv::Csv(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    }
    .into_iter()
    .map(|s| s.trim().to_string())
    .collect())
}

/// A configuration problem, worded for the person who has to fix it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error(
        "config file {0} does not exist; create it (see workbench.example.toml) or drop --config"
    )]
    MissingFile(PathBuf),
    #[error(
        "config: {key}: {problem} (from {source_name}); see workbench.example.toml for every key"
    )]
    Parse {
        key: String,
        problem: String,
        source_name: String,
    },
    #[error("config: {key}: {problem}. Fix: {fix}")]
    Invalid {
        key: &'static str,
        problem: String,
        fix: String,
    },
}

impl Config {
    /// Loads from `path` (which must exist) or from `workbench.toml` when present,
    /// then the process environment, and validates the result.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let file = match path {
            Some(p) if !p.is_file() => return Err(ConfigError::MissingFile(p.to_path_buf())),
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.is_file()),
        };
        Self::from_figment(Self::figment(file.as_deref()))
    }

    /// The layered sources, before extraction: defaults, the file, then the environment.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // Only SECTION__KEY variables are config; WORKBENCH_CONFIG and the like are not.
        figment.merge(
            Env::prefixed(ENV_PREFIX)
                .filter(|key| key.as_str().contains("__"))
                .split("__"),
        )
    }

    pub fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(|err| {
            // Report the first problem well rather than every problem badly.
            let first = err.into_iter().next();
            let (key, problem, source_name) = match first {
                Some(e) => {
                    let source_name = e
                        .metadata
                        .as_ref()
                        .map(|m| match &m.source {
                            Some(src) => format!("{} {}", m.name, src),
                            None => m.name.to_string(),
                        })
                        .unwrap_or_else(|| "defaults".into());
                    (e.path.join("."), e.kind.to_string(), source_name)
                }
                None => (String::new(), "unreadable".into(), "unknown".into()),
            };
            ConfigError::Parse {
                key: if key.is_empty() {
                    "(top level)".into()
                } else {
                    key
                },
                problem,
                source_name,
            }
        })?;
        validate::validate(&config)?;
        docker::validate(&config.docker)?;
        brain::validate(&config.brain)?;
        Ok(config)
    }
}
