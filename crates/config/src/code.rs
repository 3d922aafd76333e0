//! `[code]`: where VS Code Server (code-server / openvscode-server) answers, for the Code tab.

use serde::{Deserialize, Serialize};

use crate::ConfigError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeConfig {
    /// The editor's address as the browser reaches it, e.g. `https://code.example.com/`.
    /// Unset: the Code tab explains how to set it up.
    pub url: Option<String>,
}

impl CodeConfig {
    /// The configured URL, parsed; `None` when unset or blank.
    pub fn parsed_url(&self) -> Option<url::Url> {
        self.url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .and_then(|u| url::Url::parse(u).ok())
    }

    /// `scheme://host[:port]` of the URL: what the page's Content-Security-Policy lets it frame.
    pub fn origin(&self) -> Option<String> {
        self.parsed_url().map(|u| u.origin().ascii_serialization())
    }
}

pub(crate) fn validate(code: &CodeConfig) -> Result<(), ConfigError> {
    let Some(raw) = code.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let fix = "give the full http:// or https:// address the browser opens code-server at, e.g. \
               url = \"https://code.example.com/\" (WORKBENCH_CODE__URL), or remove it";
    let url = url::Url::parse(raw).map_err(|err| ConfigError::Invalid {
        key: "code.url",
        problem: format!("{raw:?} is not a URL ({err})"),
        fix: fix.into(),
    })?;
    check_web_url("code.url", &url, fix)
}

/// An http(s) URL with a host and no credentials: the only kind a page may frame or a checker fetch.
pub(crate) fn check_web_url(
    key: &'static str,
    url: &url::Url,
    fix: &str,
) -> Result<(), ConfigError> {
    let problem = if !matches!(url.scheme(), "http" | "https") {
        Some(format!(
            "uses {}:, but only http and https are allowed",
            url.scheme()
        ))
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("has no host".into())
    } else if !url.username().is_empty() || url.password().is_some() {
        Some("must not carry a user name or password (they would reach the browser)".into())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ConfigError::Invalid {
            key,
            problem,
            fix: fix.into(),
        }),
        None => Ok(()),
    }
}
