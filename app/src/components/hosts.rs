//! The Homelab page's hosts overview: the view model the server sends, and the server
//! function behind it. Non-admins get a [`HostView`] without [`HostDetail`]: the server
//! never sends them a name, address or endpoint.

pub mod card;
pub mod overview;

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::json_text::JsonText;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostState {
    /// Not checked yet since the server started.
    Pending,
    /// Every check passed.
    Up,
    /// Some checks passed.
    Degraded,
    /// No check passed.
    Down,
    /// No checks are configured.
    Unchecked,
}

impl HostState {
    pub fn label(self) -> &'static str {
        match self {
            HostState::Pending => "checking",
            HostState::Up => "up",
            HostState::Degraded => "degraded",
            HostState::Down => "down",
            HostState::Unchecked => "no checks",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            HostState::Pending | HostState::Unchecked => "state-unknown",
            HostState::Up => "state-up",
            HostState::Degraded => "state-degraded",
            HostState::Down => "state-down",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostsSnapshot {
    /// Whether the caller saw the admin view.
    pub admin: bool,
    pub hosts: Vec<HostView>,
}

/// One host as anyone may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostView {
    pub alias: String,
    pub state: HostState,
    /// The fastest passing check, in milliseconds.
    pub latency_ms: Option<u64>,
    /// Seconds since a check last passed.
    pub last_seen_secs: Option<u64>,
    /// Seconds since the last check finished.
    pub checked_secs: Option<u64>,
    /// The checker is overdue: the result may no longer be true.
    pub stale: bool,
    pub checks_ok: usize,
    pub checks_total: usize,
    /// Only for admins.
    pub detail: Option<HostDetail>,
}

/// What only admins see: the real name, address, endpoint, each check and the links.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostDetail {
    pub name: String,
    pub role: String,
    pub address: String,
    pub docker: Option<String>,
    pub checks: Vec<CheckView>,
    pub links: Vec<LinkView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    /// `tcp 22` or the health URL.
    pub target: String,
    pub ok: bool,
    pub latency_ms: Option<u64>,
    /// Why it failed, in a few words.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub name: String,
    pub url: String,
}

/// The cached host status; the server provides it in the render context.
#[cfg(feature = "ssr")]
pub trait HostsSource: Send + Sync {
    /// The latest results, with details only when `admin`. Never checks a host itself.
    fn overview(&self, admin: bool) -> HostsSnapshot;
}

/// The hosts overview from the server's cache. GET, so pages can poll it cheaply.
#[server(input = GetUrl, output = JsonText, endpoint = "hosts")]
pub async fn hosts_overview() -> Result<HostsSnapshot, ServerFnError> {
    let admin = crate::auth::request_identity().is_some_and(|identity| identity.admin);
    let source = use_context::<std::sync::Arc<dyn HostsSource>>()
        .ok_or_else(|| ServerFnError::new("Host status is not available on this server."))?;
    Ok(source.overview(admin))
}

/// "12 s", "4 min", "3 h", "2 d".
pub fn format_age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::format_age;

    #[test]
    fn ages() {
        assert_eq!(format_age(0), "0 s");
        assert_eq!(format_age(59), "59 s");
        assert_eq!(format_age(60), "1 min");
        assert_eq!(format_age(7200), "2 h");
        assert_eq!(format_age(200_000), "2 d");
    }
}
