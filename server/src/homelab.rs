//! The server side of the Code tab and the Homelab hosts overview: the code-server probe,
//! the host checker and its cache, and the one HTTP client they share.

pub mod check;
pub mod code;
pub mod hosts;

use std::sync::Arc;
use std::time::Duration;

use app::components::code::CodeProbe;
use app::components::hosts::HostsSource;

use crate::state::AppState;

/// How long a TCP connect (and an HTTP client's connect) may take before the target counts as down.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a whole HTTP check may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// The one outbound HTTP client: health URLs and the code-server probe. Redirects are not
/// followed: a 3xx (such as an Access login) already proves the service answers.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(HTTP_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("workbench-health/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// Puts the probe and the host cache where the app's server functions look for them.
pub fn provide_context(state: &AppState) {
    leptos::prelude::provide_context::<Arc<dyn CodeProbe>>(state.code.clone());
    leptos::prelude::provide_context::<Arc<dyn HostsSource>>(state.hosts.clone());
}
