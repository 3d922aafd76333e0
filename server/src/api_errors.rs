//! Keeps framework error text out of API answers. Leptos answers a server-function
//! request it cannot decode with 500 and the decoder's message; here that becomes a 4xx
//! with a plain sentence. Errors a server function chose to return (`ServerError|…`)
//! are meant for the user and pass through.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;

use crate::pages::error_response;

/// Longest error body worth reading: framework errors are one line.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn layer(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    if !is_api || !response.status().is_server_error() || is_chosen_json(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return internal();
    };
    let text = String::from_utf8_lossy(&bytes);
    let kind = text.split('|').next().unwrap_or("");
    // Detail can quote the request, so it stays at debug level.
    tracing::debug!(kind, detail = %text, "server function error");
    match kind {
        "ServerError" => Response::from_parts(parts, axum::body::Body::from(bytes)),
        "Deserialization" | "Args" | "MissingArg" if text.contains("length limit exceeded") => {
            error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request is too large.",
                false,
            )
        }
        "Deserialization" | "Args" | "MissingArg" => error_response(
            StatusCode::BAD_REQUEST,
            "The request could not be read: check its content type and body.",
            false,
        ),
        "Registration" => error_response(StatusCode::NOT_FOUND, "There is no such API.", false),
        _ => internal(),
    }
}

/// A JSON body is an answer a handler wrote on purpose (e.g. the services API's
/// `{"error": {"code", "message"}}` with 503 or 504); framework errors are plain text.
fn is_chosen_json(response: &Response) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

fn internal() -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server hit an internal error. It has been logged; try again, and check the server log if it persists.",
        false,
    )
}

/// Unknown `/api/…` paths: JSON, not the app's HTML 404 page.
pub async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "There is no such API.", false)
}
