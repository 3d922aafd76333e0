//! Who may do what: establishes the caller's [`Identity`] for every request and refuses
//! what they may not reach, before any handler runs.
//!
//! * `local` mode: the listener is loopback-only; requests must also be addressed to a
//!   loopback name (against DNS rebinding) and must not have come through Cloudflare.
//! * `cloudflare-access` mode: the `Cf-Access-Jwt-Assertion` token is verified here.
//! * Both: a state-changing request or WebSocket from another origin is refused (CSRF).

use std::net::IpAddr;
use std::sync::Arc;

use app::auth::{Identity, SignIn};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, Method, StatusCode, header};
use workbench_auth::{ACCESS_HEADER, AccessConfig, AccessVerifier, AuthError};
use workbench_config::{AuthConfig, AuthMode};

use crate::pages::{access_denied, error_response, wants_html};
use crate::state::AppState;

/// How much a route asks of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the Resources library, static assets, health.
    Public,
    /// A signed-in user: pages and APIs that read private data.
    SignedIn,
    /// An admin: anything that runs a command or touches Docker.
    Admin,
}

/// The access a path needs. Unknown paths need a signed-in user, so a new route is
/// private until it is listed here.
pub fn access_for(path: &str) -> Access {
    const PUBLIC_EXACT: [&str; 7] = [
        "/healthz",
        "/api/health/content",
        "/favicon.svg",
        "/favicon.ico",
        "/robots.txt",
        "/api/whoami",
        "/resources",
    ];
    // `/api/resources/`: the server functions behind the Resources pages.
    // `/pkg/` (the WASM and its glue), `/js/` and `/xterm/`: static code every page may
    // import, public pages included; none of it is private.
    const PUBLIC_PREFIX: [&str; 6] = [
        "/resources/",
        "/api/resources/",
        "/pkg/",
        "/assets/",
        "/js/",
        "/xterm/",
    ];
    const ADMIN_PREFIX: [&str; 2] = ["/api/admin/", "/terminal/"];
    if ADMIN_PREFIX.iter().any(|p| path.starts_with(p)) {
        Access::Admin
    } else if PUBLIC_EXACT.contains(&path) || PUBLIC_PREFIX.iter().any(|p| path.starts_with(p)) {
        Access::Public
    } else {
        Access::SignedIn
    }
}

#[derive(Clone)]
pub enum Authenticator {
    Local,
    Access {
        verifier: AccessVerifier,
        config: Arc<AuthConfig>,
    },
}

impl Authenticator {
    pub fn new(config: &AuthConfig) -> anyhow::Result<Self> {
        Ok(match config.mode {
            AuthMode::Local => Authenticator::Local,
            AuthMode::CloudflareAccess => {
                let team = config.team_domain.clone().unwrap_or_default();
                let mut access = AccessConfig::new(team, config.audiences.clone());
                access.certs_url = config.certs_url.clone();
                Authenticator::Access {
                    verifier: AccessVerifier::new(access)?,
                    config: Arc::new(config.clone()),
                }
            }
        })
    }

    /// The identity behind these headers, or why there is none.
    async fn identify(&self, headers: &HeaderMap) -> Result<Identity, Refusal> {
        match self {
            Authenticator::Local => {
                check_local_request(headers)?;
                Ok(Identity::local())
            }
            Authenticator::Access { verifier, config } => {
                let token = headers
                    .get(ACCESS_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let claims = verifier.verify(token).await.map_err(Refusal::Token)?;
                let admin = claims.email.as_deref().is_some_and(|e| config.is_admin(e));
                Ok(Identity {
                    name: claims.email.clone().unwrap_or(claims.sub),
                    email: claims.email,
                    admin,
                    via: SignIn::CloudflareAccess,
                })
            }
        }
    }
}

/// Why a request has no identity.
#[derive(Debug)]
enum Refusal {
    Token(AuthError),
    Forbidden(&'static str),
}

/// The middleware: every request passes through here.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let html = wants_html(&path, req.headers());
    if is_suspicious_path(&path) {
        return error_response(StatusCode::BAD_REQUEST, "That address is not valid.", html);
    }
    if let Err(message) = check_same_origin(req.method(), req.headers()) {
        return error_response(StatusCode::FORBIDDEN, message, html);
    }
    let needed = access_for(&path);
    match state.auth.identify(req.headers()).await {
        Ok(identity) => {
            if needed == Access::Admin && !identity.admin {
                tracing::info!(user = %identity.name, "refused: admin route");
                // Only Access users can be non-admins, and they may want another account.
                return access_denied(
                    "Your account may not use this: terminals and Docker control are for the admins \
                     listed in auth.admins.",
                    html,
                );
            }
            req.extensions_mut().insert(identity);
            next.run(req).await
        }
        Err(Refusal::Forbidden(message)) => error_response(StatusCode::FORBIDDEN, message, html),
        Err(Refusal::Token(_)) if needed == Access::Public => next.run(req).await,
        Err(Refusal::Token(err)) => {
            if !matches!(err, AuthError::Missing) {
                // The kind of failure only: never the token.
                tracing::info!(reason = %err, "refused: Access token rejected");
            }
            error_response(StatusCode::UNAUTHORIZED, err.user_message(), html)
        }
    }
}

/// Local mode answers only requests addressed to this machine by a loopback name, and
/// never requests relayed by Cloudflare (a tunnel would otherwise expose it unauthenticated).
fn check_local_request(headers: &HeaderMap) -> Result<(), Refusal> {
    const RELAYED: [&str; 3] = ["cf-ray", "cf-connecting-ip", "cf-access-jwt-assertion"];
    if RELAYED.iter().any(|h| headers.contains_key(*h)) {
        return Err(Refusal::Forbidden(
            "This request came through Cloudflare, but Workbench runs with auth.mode = \"local\" (no sign-in). \
             Set auth.mode = \"cloudflare-access\" with your team domain, audience and admins to serve it there.",
        ));
    }
    match headers.get(header::HOST).map(|h| h.to_str().map(host_of)) {
        None => Ok(()),
        Some(Ok(host)) if is_loopback_host(host) => Ok(()),
        Some(_) => Err(Refusal::Forbidden(
            "Workbench runs with auth.mode = \"local\" and answers only at a loopback address such as \
             http://127.0.0.1:3000. To reach it by another name, enable auth.mode = \"cloudflare-access\".",
        )),
    }
}

/// A browser always sends `Origin` on cross-site writes and WebSocket handshakes; when it
/// names another site, the request is someone else's page acting as the user.
fn check_same_origin(method: &Method, headers: &HeaderMap) -> Result<(), &'static str> {
    let upgrade = headers.contains_key(header::UPGRADE);
    if !upgrade && matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin_authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin_authority, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err("Refused a request from another web site. Open Workbench directly and try again."),
    }
}

/// Dot segments and encoded separators have no business in our URLs; refusing them keeps
/// [`access_for`] and the router agreeing on what a path is.
fn is_suspicious_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    path.contains('\\')
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || path.split('/').any(|seg| seg == "." || seg == "..")
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_classes() {
        assert_eq!(access_for("/resources"), Access::Public);
        assert_eq!(access_for("/resources/kubernetes/x"), Access::Public);
        assert_eq!(access_for("/resourcesx"), Access::SignedIn);
        assert_eq!(access_for("/pkg/workbench.wasm"), Access::Public);
        // The glue imports the xterm loader on every page, public ones included.
        assert_eq!(access_for("/js/xterm-loader.mjs"), Access::Public);
        assert_eq!(access_for("/xterm/xterm.mjs"), Access::Public);
        assert_eq!(access_for("/healthz"), Access::Public);
        assert_eq!(access_for("/api/whoami"), Access::Public);
        assert_eq!(access_for("/api/whoami2"), Access::SignedIn);
        assert_eq!(access_for("/api/health/content"), Access::Public);
        assert_eq!(access_for("/api/resources/search"), Access::Public);
        assert_eq!(access_for("/api/resourcesx"), Access::SignedIn);
        assert_eq!(access_for("/"), Access::SignedIn);
        assert_eq!(access_for("/workbench/brain"), Access::SignedIn);
        assert_eq!(access_for("/api/anything"), Access::SignedIn);
        assert_eq!(access_for("/api/admin/services"), Access::Admin);
        assert_eq!(access_for("/terminal/shell/ws"), Access::Admin);
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "localhost",
            "127.0.0.1",
            "127.3.2.1",
            "::1",
            "app.localhost",
            "LOCALHOST.",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "10.42.0.2",
            "localhost.example.com",
            "",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
        assert_eq!(host_of("[::1]:3000"), "::1");
        assert_eq!(host_of("localhost:3000"), "localhost");
        assert_eq!(host_of("localhost"), "localhost");
    }

    #[test]
    fn suspicious_paths() {
        for bad in [
            "/resources/../api/admin/x",
            "/a/./b",
            "/resources/%2e%2e/x",
            "/a%2Fb",
            "/a\\b",
            "/..",
        ] {
            assert!(is_suspicious_path(bad), "{bad}");
        }
        for ok in [
            "/",
            "/resources/docker-compose/a.b",
            "/pkg/workbench.wasm",
            "/a..b",
        ] {
            assert!(!is_suspicious_path(ok), "{ok}");
        }
    }

    #[test]
    fn same_origin_rules() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:3000".parse().expect("header"));
        assert!(
            check_same_origin(&Method::POST, &h).is_ok(),
            "no Origin: not a browser"
        );
        h.insert(
            header::ORIGIN,
            "http://127.0.0.1:3000".parse().expect("header"),
        );
        assert!(check_same_origin(&Method::POST, &h).is_ok());
        h.insert(
            header::ORIGIN,
            "http://evil.example".parse().expect("header"),
        );
        assert!(check_same_origin(&Method::POST, &h).is_err());
        assert!(
            check_same_origin(&Method::GET, &h).is_ok(),
            "plain GETs are not state-changing"
        );
        h.insert(header::UPGRADE, "websocket".parse().expect("header"));
        assert!(
            check_same_origin(&Method::GET, &h).is_err(),
            "cross-site WebSocket"
        );
        h.insert(header::ORIGIN, "null".parse().expect("header"));
        assert!(check_same_origin(&Method::POST, &h).is_err());
    }
}
