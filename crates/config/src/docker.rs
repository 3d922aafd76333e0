//! `[docker]`: the Docker engines Workbench talks to and which containers' s6 services the
//! service panel manages.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// The label that makes a container managed: `workbench.services=true`.
pub const MANAGED_LABEL: &str = "workbench.services";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DockerConfig {
    /// Engines, by the name shown in the UI and used in the API path.
    pub hosts: Vec<DockerHost>,
    /// Containers managed without the label (by name, per host).
    pub containers: Vec<ManagedContainer>,
    /// Service groups: one switch each on a card.
    pub groups: Vec<ServiceGroup>,
    /// Bound on one status or control exec, seconds.
    pub exec_timeout_secs: u64,
    /// How long stopping a daemon-group service (rtorrent) may take to finish cleanly, seconds.
    pub daemon_stop_timeout_secs: u64,
    /// Containers queried at once across all hosts.
    pub concurrency: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerHost {
    pub name: String,
    /// `unix:///var/run/docker.sock` or `tcp://host:2376` (TLS required for TCP).
    pub endpoint: String,
    #[serde(default)]
    pub tls_ca: Option<PathBuf>,
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedContainer {
    pub host: String,
    pub container: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The s6 scan dir when it is not `/run/service` or `/var/run/s6/services`.
    #[serde(default)]
    pub scan_dir: Option<String>,
    /// The user execs run as, when not the container's own.
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceGroup {
    /// Used in the API: `web`, `daemon`.
    pub name: String,
    /// Shown on the switch: "Web UI".
    pub label: String,
    /// Service dir names that belong to it (any layout).
    pub services: Vec<String>,
    /// Where a stale lock file would keep this group from starting (rtorrent's session lock).
    #[serde(default)]
    pub lock_files: Vec<String>,
}

impl Default for DockerConfig {
    fn default() -> Self {
        Self {
            hosts: vec![DockerHost {
                name: "local".into(),
                endpoint: "unix:///var/run/docker.sock".into(),
                tls_ca: None,
                tls_cert: None,
                tls_key: None,
            }],
            containers: Vec::new(),
            groups: vec![
                ServiceGroup {
                    name: "web".into(),
                    label: "Web UI".into(),
                    services: ["nginx", "php-fpm", "svc-nginx", "svc-php-fpm"]
                        .map(String::from)
                        .to_vec(),
                    lock_files: Vec::new(),
                },
                ServiceGroup {
                    name: "daemon".into(),
                    label: "Daemon".into(),
                    services: ["rtorrent", "rutorrent", "svc-rtorrent", "svc-rutorrent"]
                        .map(String::from)
                        .to_vec(),
                    lock_files: [
                        "/data/session/rtorrent.lock",
                        "/data/rtorrent/.session/rtorrent.lock",
                        "/config/rtorrent/rtorrent_sess/rtorrent.lock",
                    ]
                    .map(String::from)
                    .to_vec(),
                },
            ],
            exec_timeout_secs: 15,
            daemon_stop_timeout_secs: 60,
            concurrency: 32,
        }
    }
}

fn invalid(key: &'static str, problem: String, fix: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem,
        fix: fix.into(),
    }
}

/// A name that can sit in a URL path segment as it is.
pub fn is_simple_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && !s.starts_with(['.', '-'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

pub(crate) fn validate(d: &DockerConfig) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for h in &d.hosts {
        if !is_simple_name(&h.name) || !seen.insert(h.name.as_str()) {
            return Err(invalid(
                "docker.hosts",
                format!(
                    "host name {:?} is empty, repeated, or has characters other than letters, digits, '.', '_', '-'",
                    h.name
                ),
                "give each host a short unique name such as \"local\" or \"nas\"",
            ));
        }
        if let Some(path) = h.endpoint.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(invalid(
                    "docker.hosts",
                    format!(
                        "host {:?}: endpoint {:?} is not an absolute socket path",
                        h.name, h.endpoint
                    ),
                    "use unix:///var/run/docker.sock",
                ));
            }
        } else if h.endpoint.starts_with("tcp://") || h.endpoint.starts_with("https://") {
            if h.tls_ca.is_none() || h.tls_cert.is_none() || h.tls_key.is_none() {
                return Err(invalid(
                    "docker.hosts",
                    format!(
                        "host {:?}: a TCP endpoint needs tls_ca, tls_cert and tls_key",
                        h.name
                    ),
                    "Docker's API over plain TCP gives root to anyone on the network: set up TLS \
                     (see the docker-host-over-tls tutorial) and give the three PEM paths",
                ));
            }
        } else {
            return Err(invalid(
                "docker.hosts",
                format!(
                    "host {:?}: endpoint {:?} is neither unix:// nor tcp://",
                    h.name, h.endpoint
                ),
                "use unix:///var/run/docker.sock or tcp://HOST:2376 with TLS",
            ));
        }
    }
    for c in &d.containers {
        if !d.hosts.iter().any(|h| h.name == c.host) {
            return Err(invalid(
                "docker.containers",
                format!(
                    "container {:?} names host {:?}, which is not in docker.hosts",
                    c.container, c.host
                ),
                "use one of the names in docker.hosts",
            ));
        }
        if !is_simple_name(&c.container) {
            return Err(invalid(
                "docker.containers",
                format!("{:?} is not a container name", c.container),
                "give the container's name as `docker ps` shows it",
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for g in &d.groups {
        if !is_simple_name(&g.name) || !seen.insert(g.name.as_str()) || g.services.is_empty() {
            return Err(invalid(
                "docker.groups",
                format!(
                    "group {:?} has a bad or repeated name, or no services",
                    g.name
                ),
                "give each group a short unique name (\"web\") and the service dir names it covers",
            ));
        }
    }
    if d.concurrency == 0 || d.concurrency > 64 {
        return Err(invalid(
            "docker.concurrency",
            format!("{} is out of range", d.concurrency),
            "use 1 to 64",
        ));
    }
    if d.exec_timeout_secs == 0 || d.daemon_stop_timeout_secs == 0 {
        return Err(invalid(
            "docker.exec_timeout_secs",
            "timeouts must be at least one second".into(),
            "set exec_timeout_secs and daemon_stop_timeout_secs to a few seconds or more",
        ));
    }
    Ok(())
}
