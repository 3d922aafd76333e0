//! Who is using the app, as the server established it; the server's auth layer
//! puts an [`Identity`] on every request it lets through signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::json_text::JsonText;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignIn {
    /// `auth.mode = "local"`: the server only listens on loopback.
    Local,
    /// A verified Cloudflare Access token.
    CloudflareAccess,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// What to show: the e-mail address, or "local".
    pub name: String,
    pub email: Option<String>,
    /// May open terminals and control Docker services.
    pub admin: bool,
    pub via: SignIn,
}

impl Identity {
    pub fn local() -> Self {
        Self {
            name: "local".into(),
            email: None,
            admin: true,
            via: SignIn::Local,
        }
    }
}

/// The signed-in identity of this request, if any. Public: it reveals only the caller's own name.
#[server(endpoint = "whoami", output = JsonText)]
pub async fn whoami() -> Result<Option<Identity>, ServerFnError> {
    Ok(request_identity())
}

/// Reads the identity the auth layer attached to the current request.
#[cfg(feature = "ssr")]
pub fn request_identity() -> Option<Identity> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Identity>().cloned())
}

/// The identity the page was rendered for, known without waiting: the server reads it from
/// the request and writes it into the top bar (`data-who`); the browser reads it back from
/// there. No `Suspense` is needed for it, so no streamed page can be left waiting on one.
pub fn page_identity() -> Option<Identity> {
    #[cfg(feature = "ssr")]
    {
        request_identity()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .query_selector(".top-bar [data-who]")
            .ok()
            .flatten()
            .and_then(|el| el.get_attribute("data-who"))
            .and_then(|json| serde_json::from_str(&json).ok())
    }
}
