//! The HTTP side: paths, subprotocol, `/token` body (ttyd-protocol.md §1, §2, §7).

use serde::{Deserialize, Serialize};

/// The WebSocket subprotocol. ttyd's page opens `new WebSocket(url, ['tty'])`;
/// a server must select it in the 101 response (ttyd binds a client that
/// offers none to its HTTP handler, where it never receives anything).
pub const SUBPROTOCOL: &str = "tty";

/// WebSocket endpoint, relative to the base path: `<base>/ws`. The page adds
/// its own query string (that is how `?arg=` reaches ttyd).
///
/// ttyd accepts any request path that is a *prefix* of `<base>/ws` (a
/// `strncmp` quirk, so `/` and `/w` also upgrade); match the exact path.
pub const WS_PATH: &str = "/ws";

/// Token endpoint, relative to the base path: `<base>/token`, answered with
/// a [`TokenResponse`].
pub const TOKEN_PATH: &str = "/token";

/// The `Content-Type` ttyd gives the `/token` response.
pub const TOKEN_CONTENT_TYPE: &str = "application/json;charset=utf-8";

/// Body of `GET <base>/token`: `{"token":"…"}`.
///
/// ttyd puts the base64 of `user:pass` here with `-c`, `""` without (and
/// writes `{"token": ""}` with a space – the same JSON). The page copies it
/// into [`Hello::auth_token`](crate::Hello::auth_token). Unknown keys are
/// ignored when parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The token to send back in the hello's `AuthToken`.
    pub token: String,
}
