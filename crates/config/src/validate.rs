//! Checks that span keys, which serde alone cannot express.

use crate::{AuthMode, Config, ConfigError};

pub(crate) fn validate(config: &Config) -> Result<(), ConfigError> {
    crate::terminal::validate(&config.terminal)?;
    let auth = &config.auth;
    match auth.mode {
        AuthMode::Local => {
            let ip = config.server.addr.ip();
            if !ip.is_loopback() {
                return Err(ConfigError::Invalid {
                    key: "server.addr",
                    problem: format!(
                        "{} is not a loopback address, and auth.mode = \"local\" has no authentication, \
                         so anyone who can reach it could run commands here",
                        config.server.addr
                    ),
                    fix: "listen on 127.0.0.1 or [::1] (WORKBENCH_SERVER__ADDR=127.0.0.1:3000), or put \
                          Cloudflare Access in front and set auth.mode = \"cloudflare-access\" with \
                          auth.team_domain, auth.audiences and auth.admins"
                        .into(),
                });
            }
        }
        AuthMode::CloudflareAccess => {
            let team = auth.team_domain.as_deref().map(str::trim).unwrap_or("");
            if team.is_empty() {
                return Err(ConfigError::Invalid {
                    key: "auth.team_domain",
                    problem: "is required when auth.mode = \"cloudflare-access\"".into(),
                    fix: "set it to your Access team domain, e.g. team_domain = \"myteam.cloudflareaccess.com\" \
                          (WORKBENCH_AUTH__TEAM_DOMAIN)"
                        .into(),
                });
            }
            if !is_host_like(team) {
                return Err(ConfigError::Invalid {
                    key: "auth.team_domain",
                    problem: format!("{team:?} is not a host name"),
                    fix: "give just the host, e.g. \"myteam.cloudflareaccess.com\"".into(),
                });
            }
            if auth.audiences.is_empty() || auth.audiences.iter().any(|a| a.is_empty()) {
                return Err(ConfigError::Invalid {
                    key: "auth.audiences",
                    problem: "needs at least one Access application AUD tag".into(),
                    fix: "copy the Application Audience (AUD) Tag from the Access application's overview \
                          page into audiences = [\"…\"] (WORKBENCH_AUTH__AUDIENCES)"
                        .into(),
                });
            }
            if auth.admins.is_empty() {
                return Err(ConfigError::Invalid {
                    key: "auth.admins",
                    problem: "is empty, so nobody could open a terminal or control a service".into(),
                    fix: "list the e-mail addresses of the people allowed to, e.g. admins = [\"you@example.com\"] \
                          (WORKBENCH_AUTH__ADMINS=you@example.com,other@example.com)"
                        .into(),
                });
            }
            if let Some(bad) = auth.admins.iter().find(|a| !is_email_like(a)) {
                return Err(ConfigError::Invalid {
                    key: "auth.admins",
                    problem: format!("{bad:?} is not an e-mail address"),
                    fix: "list the e-mail addresses Cloudflare Access signs people in with".into(),
                });
            }
            if let Some(url) = &auth.certs_url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(ConfigError::Invalid {
                    key: "auth.certs_url",
                    problem: format!("{url:?} is not an http(s) URL"),
                    fix: "remove it to use https://<team_domain>/cdn-cgi/access/certs".into(),
                });
            }
        }
    }
    crate::code::validate(&config.code)?;
    crate::hosts::validate(&config.hosts)?;
    Ok(())
}

fn is_host_like(s: &str) -> bool {
    let host = s
        .strip_prefix("https://")
        .unwrap_or(s)
        .trim_end_matches('/');
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

fn is_email_like(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}
