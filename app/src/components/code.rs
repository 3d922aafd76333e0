//! The Code tab: VS Code Server (code-server / openvscode-server) at the configured URL in a
//! frame, or a panel that explains the set-up when there is nothing to show.

pub mod panel;
pub mod setup;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::json_text::JsonText;

/// What the Code tab can show, as the server sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeAvailability {
    /// `code.url` is not set.
    NotConfigured,
    /// Set, but the server got no answer from it.
    Unreachable { url: String },
    /// Set and answering (any HTTP status: an Access login redirect counts).
    Ready { url: String },
}

/// Checks the configured editor URL. Server functions cannot reach the server's state
/// directly, so the server provides this in the render context.
#[cfg(feature = "ssr")]
pub trait CodeProbe: Send + Sync {
    fn status(&self) -> std::pin::Pin<Box<dyn Future<Output = CodeAvailability> + Send + '_>>;
}

#[server(endpoint = "code/status", output = JsonText)]
pub async fn code_status() -> Result<CodeAvailability, ServerFnError> {
    let probe = use_context::<std::sync::Arc<dyn CodeProbe>>()
        .ok_or_else(|| ServerFnError::new("The Code tab is not available on this server."))?;
    Ok(probe.status().await)
}
