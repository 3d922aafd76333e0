//! The `ttyd` backend as a client of a real ttyd-protocol server. ttyd itself is not
//! packaged for Debian 12, so the upstream is our own server (which speaks the protocol,
//! see protocol.rs), plus a small stand-in for the two things ours does differently from
//! Debian's ttyd: Basic auth, and ending a session by dropping TCP without a close frame.

use workbench_terminal::testing as harness;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use futures_util::StreamExt;
use harness::{TestServer, config, profile};
use http::{HeaderMap, StatusCode};
use workbench_config::{TerminalBackend, TerminalProfile};

const SECS: u64 = 15;

fn ttyd_profile(name: &str, url: String, credential: Option<&str>) -> TerminalProfile {
    let mut p = profile(name, &[]);
    p.backend = TerminalBackend::Ttyd;
    p.url = Some(url);
    p.credential = credential.map(String::from);
    p
}

#[tokio::test]
async fn proxies_a_session_of_our_own_server_in_ttyd_mode() {
    let upstream = TestServer::start(config(vec![
        profile("sh", &["sh"]),
        profile("fail", &["sh", "-c", "echo up; exit 3"]),
    ]))
    .await;
    let proxy = TestServer::start(config(vec![
        ttyd_profile("remote", upstream.url("/terminal/sh/"), None),
        ttyd_profile("remote-fail", upstream.url("/terminal/fail"), None),
    ]))
    .await;

    let mut c = proxy.open("remote", "", (91, 31)).await;
    c.input("echo hi-$((6*7)); stty size\r").await;
    c.expect_output("hi-42", SECS).await;
    c.expect_output("31 91", SECS).await;
    assert!(
        c.title
            .as_deref()
            .is_some_and(|t| t.starts_with("sh -l (") || t.starts_with("sh (")),
        "upstream title: {:?}",
        c.title
    );
    c.resize(100, 20).await;
    c.input("stty size\r").await;
    c.expect_output("20 100", SECS).await;
    c.input("exit 0\r").await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1000));

    let mut c = proxy.open("remote-fail", "", (80, 24)).await;
    let close = c.until_closed(SECS).await;
    assert!(c.text().contains("up"));
    assert_eq!(close, Some((1011, "exit status 3".into())));
    assert!(harness::eventually(5, || upstream.terminals.session_count() == 0).await);
}

#[tokio::test]
async fn an_upstream_that_is_down_is_reported_in_the_terminal() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = listener.local_addr().expect("addr");
    drop(listener);
    let proxy = TestServer::start(config(vec![ttyd_profile(
        "remote",
        format!("http://{dead}/"),
        None,
    )]))
    .await;
    let mut c = proxy.open("remote", "", (80, 24)).await;
    let close = c.until_closed(SECS).await;
    assert_eq!(close.map(|c| c.0), Some(1011));
    assert!(
        c.text().contains("did not answer as ttyd does"),
        "{}",
        c.text()
    );
}

/// A stand-in with Debian ttyd's habits: `-c user:pass`, and no close frame at the end.
async fn fake_ttyd() -> std::net::SocketAddr {
    const BASIC: &str = "Basic dXNlcjpwYXNz"; // user:pass
    fn authorized(h: &HeaderMap) -> bool {
        h.get("authorization").and_then(|v| v.to_str().ok()) == Some(BASIC)
    }
    async fn token(headers: HeaderMap) -> Result<String, StatusCode> {
        if !authorized(&headers) {
            return Err(StatusCode::UNAUTHORIZED);
        }
        Ok(r#"{"token": "dXNlcjpwYXNz"}"#.into())
    }
    async fn ws(headers: HeaderMap, upgrade: WebSocketUpgrade) -> axum::response::Response {
        if !authorized(&headers) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        upgrade.protocols(["tty"]).on_upgrade(session)
    }
    async fn session(mut socket: WebSocket) {
        let Some(Ok(Message::Binary(hello))) = socket.next().await else {
            return;
        };
        let hello: serde_json::Value = serde_json::from_slice(&hello).unwrap_or_default();
        if hello["AuthToken"] != "dXNlcjpwYXNz" {
            return;
        }
        for m in [&b"1fake (host)"[..], b"2{ }", b"0hello from fake\r\n"] {
            let _ = socket.send(Message::Binary(m.to_vec().into())).await;
        }
        while let Some(Ok(Message::Binary(b))) = socket.next().await {
            if b.as_ref() == b"0bye" {
                let _ = socket
                    .send(Message::Binary(b"0LASTWORDS\r\n".to_vec().into()))
                    .await;
                // Debian's ttyd: the TCP connection just ends.
                return;
            }
        }
    }
    use axum::response::IntoResponse;
    let app = axum::Router::new()
        .route("/token", get(token))
        .route("/ws", get(ws));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn basic_auth_and_a_bare_tcp_close_as_the_end() {
    let fake = fake_ttyd().await;
    let proxy = TestServer::start(config(vec![
        ttyd_profile("ok", format!("http://{fake}/"), Some("user:pass")),
        ttyd_profile("wrong", format!("http://{fake}/"), Some("user:nope")),
    ]))
    .await;
    let mut c = proxy.open("ok", "", (80, 24)).await;
    c.expect_output("hello from fake", SECS).await;
    assert_eq!(c.title.as_deref(), Some("fake (host)"));
    c.input("bye").await;
    let close = c.until_closed(SECS).await;
    assert!(c.text().contains("LASTWORDS"));
    assert_eq!(
        close.map(|c| c.0),
        Some(1000),
        "a bare TCP close is a normal end"
    );

    let mut c = proxy.open("wrong", "", (80, 24)).await;
    let close = c.until_closed(SECS).await;
    assert!(c.text().contains("credential was refused"), "{}", c.text());
    assert_eq!(close.map(|c| c.0), Some(1011));
}
