//! Error responses outside the app's own pages (401, 403, 500): an HTML page for a
//! browser, JSON for everything else. Never internal details.

use axum::Json;
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// Whether the client is a browser navigating to a page (rather than a script or fetch).
pub fn wants_html(path: &str, headers: &HeaderMap) -> bool {
    !path.starts_with("/api/")
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

pub fn error_response(status: StatusCode, message: &str, html: bool) -> Response {
    page(status, message, html, "")
}

/// A 403 for someone signed in through Cloudflare Access, who may want another account.
pub fn access_denied(message: &str, html: bool) -> Response {
    page(
        StatusCode::FORBIDDEN,
        message,
        html,
        r#" · <a href="/cdn-cgi/access/logout">Sign out</a>"#,
    )
}

fn page(status: StatusCode, message: &str, html: bool, extra_links: &str) -> Response {
    if !html {
        return (status, Json(ErrorBody { error: message })).into_response();
    }
    let title = match status {
        StatusCode::UNAUTHORIZED => "Sign-in required",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::BAD_REQUEST => "Bad request",
        StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        _ => "Something went wrong",
    };
    let body = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Workbench</title><link rel="stylesheet" href="/pkg/workbench.css"><link rel="icon" href="/favicon.svg"></head><body><main id="main" class="message-page"><h1>{title}</h1><p>{message}</p><p><a href="/resources">Browse Resources</a>{extra_links}</p></main></body></html>"#,
        message = escape_html(message),
    );
    (status, Html(body)).into_response()
}

pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic message goes to the log (the panic hook prints it), never to the browser.
    tracing::error!("a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server hit an internal error. It has been logged; try again, and check the server log if it persists.",
        true,
    )
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
