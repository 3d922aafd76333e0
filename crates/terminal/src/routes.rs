//! The HTTP side: `/terminal/profiles` for the Terminal tab, and per profile the ttyd
//! endpoints `/terminal/<profile>/token` and `/terminal/<profile>/ws`.
//! Authentication (admin only) and the origin check happen in the server's middleware.

use axum::Router;
use axum::extract::{FromRef, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};
use ttyd_protocol::{TOKEN_CONTENT_TYPE, TokenResponse};
use workbench_config::TerminalCompression;

use crate::handshake::Handshake;
use crate::registry::Terminals;
use crate::socket::{self, SocketQuery};

/// Largest WebSocket message a client may send: a big paste, not a flood.
pub const MAX_MESSAGE: usize = 1024 * 1024;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Terminals: FromRef<S>,
{
    Router::new()
        .route("/terminal/profiles", get(profiles))
        .route("/terminal/{profile}/token", get(token))
        .route("/terminal/{profile}/ws", get(ws))
}

async fn profiles(State(terminals): State<Terminals>) -> Response {
    axum::Json(terminals.summaries()).into_response()
}

fn no_such_profile(name: &str) -> Response {
    let shown: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect();
    (
        StatusCode::NOT_FOUND,
        format!("There is no terminal profile {shown:?}; profiles are set in [[terminal.profiles]] of workbench.toml."),
    )
        .into_response()
}

async fn token(State(terminals): State<Terminals>, Path(profile): Path<String>) -> Response {
    if terminals.profile(&profile).is_none() {
        return no_such_profile(&profile);
    }
    let body = serde_json::to_string(&TokenResponse {
        token: terminals.token().to_owned(),
    })
    .unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, TOKEN_CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn ws(
    State(terminals): State<Terminals>,
    Path(profile): Path<String>,
    Query(query): Query<SocketQuery>,
    handshake: Handshake,
) -> Response {
    let Some(profile) = terminals.profile(&profile) else {
        return no_such_profile(&profile);
    };
    if query.session.as_deref().is_some_and(|s| s.len() > 64) {
        return (StatusCode::BAD_REQUEST, "session id too long").into_response();
    }
    let deflate = terminals.config().compression == TerminalCompression::Deflate;
    handshake.accept(deflate, move |socket| {
        socket::serve(socket, terminals, profile, query)
    })
}
