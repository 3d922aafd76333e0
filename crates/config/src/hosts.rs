//! `[[hosts]]`: the machines the Homelab page watches, and how to check each one.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// Bounds on `interval_secs`: checking more often than this only loads the hosts.
pub const MIN_INTERVAL_SECS: u64 = 5;
pub const MAX_INTERVAL_SECS: u64 = 86_400;
/// More checks than this on one host is a configuration mistake, not a homelab.
pub const MAX_CHECKS: usize = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// The real name, shown to admins only.
    pub name: String,
    /// What everyone else sees instead of the name and address.
    pub alias: String,
    /// What the machine does ("NAS", "GPU box"); admins only.
    #[serde(default)]
    pub role: String,
    /// IP address or DNS name the TCP checks connect to; admins only.
    pub address: String,
    /// The Docker endpoint on this host (`unix:///var/run/docker.sock`, `tcp://…:2376`); admins only.
    #[serde(default)]
    pub docker: Option<String>,
    /// TCP ports that must accept a connection.
    #[serde(default)]
    pub tcp_ports: Vec<u16>,
    /// http(s) URLs that must answer with a 2xx or 3xx status.
    #[serde(default)]
    pub health_urls: Vec<String>,
    /// Seconds between checks while the host is up (backs off while it is down).
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// Links to the host's services, shown to admins.
    #[serde(default)]
    pub links: Vec<HostLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostLink {
    pub name: String,
    pub url: String,
}

fn default_interval() -> u64 {
    30
}

pub(crate) fn validate(hosts: &[HostConfig]) -> Result<(), ConfigError> {
    let mut names = HashSet::new();
    let mut aliases = HashSet::new();
    for (i, host) in hosts.iter().enumerate() {
        let invalid = |key: &'static str, problem: String, fix: &str| ConfigError::Invalid {
            key,
            problem: format!("hosts[{i}] ({:?}): {problem}", host.name),
            fix: fix.into(),
        };
        if !is_label(&host.name) {
            return Err(invalid(
                "hosts.name",
                "is empty or longer than 64 characters, or has control characters".into(),
                "give each host a short name such as \"nas\"",
            ));
        }
        if !is_label(&host.alias) {
            return Err(invalid(
                "hosts.alias",
                "is empty or longer than 64 characters, or has control characters".into(),
                "give each host a public alias such as \"Storage\": non-admins see only that",
            ));
        }
        if host.alias.eq_ignore_ascii_case(&host.name) && host.name.contains('.') {
            return Err(invalid(
                "hosts.alias",
                "equals the host's DNS name, which would show it to everyone".into(),
                "pick an alias that does not reveal the name or address",
            ));
        }
        if !names.insert(host.name.to_ascii_lowercase()) {
            return Err(invalid(
                "hosts.name",
                "is used by two hosts".into(),
                "make every name unique",
            ));
        }
        if !aliases.insert(host.alias.to_ascii_lowercase()) {
            return Err(invalid(
                "hosts.alias",
                "is used by two hosts".into(),
                "make every alias unique",
            ));
        }
        if host.role.chars().count() > 120 || host.role.chars().any(char::is_control) {
            return Err(invalid(
                "hosts.role",
                "is longer than 120 characters or has control characters".into(),
                "shorten it",
            ));
        }
        if !is_address(&host.address) {
            return Err(invalid(
                "hosts.address",
                format!("{:?} is not an IP address or host name", host.address),
                "give just the address, without scheme or port, e.g. \"192.168.1.10\" or \"nas.lan\"",
            ));
        }
        if let Some(docker) = &host.docker
            && !["unix://", "tcp://", "http://", "https://", "ssh://"]
                .iter()
                .any(|s| docker.starts_with(s))
        {
            return Err(invalid(
                "hosts.docker",
                "is not a Docker endpoint".into(),
                "use unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://user@HOST",
            ));
        }
        if host.tcp_ports.contains(&0) {
            return Err(invalid(
                "hosts.tcp_ports",
                "port 0 cannot be checked".into(),
                "list ports from 1 to 65535",
            ));
        }
        if host.tcp_ports.len() + host.health_urls.len() > MAX_CHECKS {
            return Err(invalid(
                "hosts.tcp_ports",
                format!("more than {MAX_CHECKS} checks on one host"),
                "check the few ports and URLs that tell whether the host is healthy",
            ));
        }
        for raw in &host.health_urls {
            let fix =
                "use a full http:// or https:// URL such as \"http://192.168.1.10:8096/health\"";
            let url = url::Url::parse(raw).map_err(|_| {
                invalid(
                    "hosts.health_urls",
                    "has an entry that is not a URL".into(),
                    fix,
                )
            })?;
            crate::code::check_web_url("hosts.health_urls", &url, fix)
                .map_err(|e| invalid("hosts.health_urls", e.to_string(), fix))?;
        }
        for link in &host.links {
            let fix = "give each link a name and a full http(s) URL";
            if !is_label(&link.name) {
                return Err(invalid(
                    "hosts.links",
                    "has a link without a name".into(),
                    fix,
                ));
            }
            let url = url::Url::parse(&link.url)
                .map_err(|_| invalid("hosts.links", "has a link that is not a URL".into(), fix))?;
            crate::code::check_web_url("hosts.links", &url, fix)
                .map_err(|e| invalid("hosts.links", e.to_string(), fix))?;
        }
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&host.interval_secs) {
            return Err(invalid(
                "hosts.interval_secs",
                format!(
                    "{} is outside {MIN_INTERVAL_SECS}..={MAX_INTERVAL_SECS}",
                    host.interval_secs
                ),
                "30 is a good default",
            ));
        }
    }
    Ok(())
}

fn is_label(s: &str) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= 64 && !s.chars().any(char::is_control)
}

fn is_address(s: &str) -> bool {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !s.is_empty()
        && s.len() <= 253
        && !s.starts_with('-')
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}
