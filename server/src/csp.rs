//! The Content-Security-Policy on every response: scripts only from this origin or with
//! the request's nonce, and frames only from the configured code-server origin.
//!
//! Leptos puts a nonce on its inline hydration script (and on streamed chunks) when a
//! [`leptos::nonce::Nonce`] is in context. This layer makes the nonce, puts it in the
//! request's extensions and in the header; [`provide_request_nonce`] hands the same value to
//! the renderer in place of the one leptos_axum would otherwise invent.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::header::CONTENT_SECURITY_POLICY;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

use crate::state::AppState;

/// The nonce of the current request, as the middleware made it.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// The policy for a page whose scripts carry `nonce` and that may frame `frame_origin`.
pub fn policy(nonce: &str, frame_origin: Option<&str>) -> String {
    // 'self' in connect-src covers same-origin ws:/wss: in current browsers (CSP level 3).
    // Inline styles stay allowed: Leptos and xterm.js set style attributes and <style> tags,
    // and CSS cannot run code.
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; \
         font-src 'self' data:; \
         connect-src 'self'; \
         frame-src {frames}; \
         child-src {frames}; \
         worker-src 'self' blob:; \
         object-src 'none'; \
         base-uri 'self'; \
         form-action 'self'; \
         frame-ancestors 'self'",
        frames = frame_origin.unwrap_or("'none'"),
    )
}

pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new().to_string();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(req).await;
    let frame_origin = state.config.code.origin();
    match HeaderValue::from_str(&policy(&nonce, frame_origin.as_deref())) {
        Ok(value) => {
            response
                .headers_mut()
                .insert(CONTENT_SECURITY_POLICY, value);
        }
        // The origin was validated at start-up and the nonce is URL-safe base64.
        Err(err) => tracing::error!(%err, "could not build the Content-Security-Policy header"),
    }
    response
}

/// Called in the Leptos render context: replaces leptos_axum's own nonce by the one in the header.
pub fn provide_request_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().map(|n| n.0.clone()));
    if let Some(nonce) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn frames_only_the_configured_origin() {
        let p = policy("abc", Some("https://code.example.com"));
        assert!(p.contains("frame-src https://code.example.com;"), "{p}");
        assert!(p.contains("'nonce-abc'"), "{p}");
        assert!(
            !p.contains(" 'unsafe-eval'"),
            "no eval beyond WebAssembly: {p}"
        );
        let p = policy("abc", None);
        assert!(p.contains("frame-src 'none';"), "{p}");
    }
}
