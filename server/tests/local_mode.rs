//! `auth.mode = "local"`: the routes, the loopback-only guards (Host, Cloudflare headers,
//! cross-site requests), hostile input, and serving over a real socket.

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::json;
use server::AppState;
use support::{BROWSER_ACCEPT, TestApp};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

#[tokio::test]
async fn healthz_answers_json() {
    let app = TestApp::local();
    let res = app.get("/healthz").send().await;
    res.assert_status(StatusCode::OK);
    assert!(
        res.content_type().starts_with("application/json"),
        "{res:?}"
    );
    assert_eq!(res.json()["status"], "ok");
    assert_eq!(res.json()["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn root_and_workbench_redirect_to_the_brain_tab() {
    let app = TestApp::local();
    for path in ["/", "/workbench"] {
        let res = app.get(path).browser().send().await;
        res.assert_status(StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(res.header("location"), Some("/workbench/brain"), "{path}");
    }
}

#[tokio::test]
async fn brain_tab_renders_with_the_tab_bar() {
    let app = TestApp::local();
    let res = app.get("/workbench/brain").browser().send().await;
    res.assert_status(StatusCode::OK);
    assert!(res.is_html(), "{res:?}");
    let body = &res.body;
    assert!(body.contains(r#"role="tablist""#), "{body}");
    for tab in ["brain", "code", "terminal"] {
        assert!(
            body.contains(&format!(r#"href="/workbench/{tab}""#)),
            "{tab}: {body}"
        );
    }
    assert!(body.contains(r#"id="tab-brain""#), "{body}");
}

#[tokio::test]
async fn unknown_pages_are_404_without_internal_details() {
    let app = TestApp::local();
    let site_root = app
        .state()
        .config
        .server
        .site_root
        .to_string_lossy()
        .into_owned();
    // An unknown API answers in JSON even to a browser: it is not a page.
    let res = app.get("/api/nothing-here").browser().send().await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(res.error_message(), "There is no such API.");
    for path in ["/workbench/nope", "/no/such/page"] {
        let res = app.get(path).browser().send().await;
        res.assert_status(StatusCode::NOT_FOUND);
        assert!(res.body.contains("Page not found"), "{path}: {}", res.body);
        for internal in [
            site_root.as_str(),
            "panicked",
            "src/",
            ".rs:",
            "RUST_BACKTRACE",
            "No such file",
        ] {
            assert!(
                !res.body.contains(internal),
                "{path} shows {internal:?}: {}",
                res.body
            );
        }
    }
}

#[tokio::test]
async fn resources_page_answers() {
    let app = TestApp::local();
    let res = app.get("/resources").browser().send().await;
    res.assert_status(StatusCode::OK);
    assert!(res.is_html(), "{res:?}");
}

#[tokio::test]
async fn requests_addressed_to_another_host_are_refused_against_dns_rebinding() {
    let app = TestApp::local();
    for host in [
        "evil.example",
        "evil.example:3000",
        "localhost.evil.example:3000",
        "10.0.0.2:3000",
        "0.0.0.0:3000",
        "",
    ] {
        for path in ["/workbench/brain", "/healthz", "/api/whoami"] {
            let res = app.get(path).header("host", host).send().await;
            res.assert_status(StatusCode::FORBIDDEN);
            assert!(
                res.error_message().contains("loopback"),
                "{host} {path}: {}",
                res.body
            );
        }
    }
}

#[tokio::test]
async fn requests_addressed_to_a_loopback_name_are_served() {
    let app = TestApp::local();
    for host in [
        "127.0.0.1:3000",
        "localhost:3000",
        "[::1]:3000",
        "localhost",
        "LOCALHOST:3000",
    ] {
        let res = app
            .get("/workbench/brain")
            .header("host", host)
            .browser()
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{host}: {}", res.body);
    }
    // Not a browser (curl --http1.0, or the tests' own oneshot): no Host at all.
    let res = app.get("/healthz").without_header("host").send().await;
    res.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn requests_relayed_by_cloudflare_are_refused_naming_auth_mode() {
    let app = TestApp::local();
    for header in [
        "Cf-Ray",
        "Cf-Connecting-Ip",
        "Cf-Access-Jwt-Assertion",
        "cf-ray",
    ] {
        for path in ["/workbench/brain", "/healthz", "/resources"] {
            let res = app
                .get(path)
                .header(header, "8f1e2d3c4b5a6978-AMS")
                .send()
                .await;
            res.assert_status(StatusCode::FORBIDDEN);
            let message = res.error_message();
            assert!(message.contains("auth.mode"), "{header} {path}: {message}");
            assert!(
                message.contains("cloudflare-access"),
                "{header} {path}: {message}"
            );
        }
        let page = app
            .get("/workbench/brain")
            .header(header, "x")
            .browser()
            .send()
            .await;
        page.assert_status(StatusCode::FORBIDDEN);
        assert!(
            page.is_html() && page.body.contains("auth.mode"),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn cross_origin_writes_are_refused_and_same_origin_ones_pass() {
    let app = TestApp::local();
    for origin in [
        "http://evil.example",
        "null",
        "http://127.0.0.1:3000.evil.example",
        "http://127.0.0.1:4000",
    ] {
        for path in ["/api/whoami", "/workbench/brain", "/api/admin/services"] {
            let res = app
                .post(path)
                .header("origin", origin)
                .header("content-type", "application/x-www-form-urlencoded")
                .send()
                .await;
            res.assert_status(StatusCode::FORBIDDEN);
            assert!(
                res.error_message().contains("another web site"),
                "{}",
                res.body
            );
        }
    }
    let res = app
        .post("/api/whoami")
        .header("origin", "http://127.0.0.1:3000")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    // Without Origin it is not a browser acting for someone else's page.
    let res = app.server_fn("/api/whoami").await;
    res.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn cross_origin_websocket_handshakes_are_refused() {
    let app = TestApp::local();
    let handshake = |origin: &'static str| {
        app.get("/terminal/shell/ws")
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("origin", origin)
            .send()
    };
    let res = handshake("http://evil.example").await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(
        res.error_message().contains("another web site"),
        "{}",
        res.body
    );
    let res = handshake("http://127.0.0.1:3000").await;
    assert_ne!(
        res.status,
        StatusCode::FORBIDDEN,
        "same-origin handshake: {}",
        res.body
    );
}

#[tokio::test]
async fn dot_segments_and_encoded_separators_are_bad_requests() {
    let app = TestApp::local();
    for path in [
        "/resources/../api/admin/x",
        "/resources/./x",
        "/resources/%2e%2e/api/admin/x",
        "/resources/%2E%2E/terminal/x",
        "/resources%2fx",
        "/resources%2F..%2Fterminal",
        "/resources/%5c..",
        "/..",
        "/pkg/..%2f..%2fetc/passwd",
    ] {
        let res = app.get(path).send().await;
        res.assert_status(StatusCode::BAD_REQUEST);
        assert!(
            res.error_message().contains("not valid"),
            "{path}: {}",
            res.body
        );
        let page = app.get(path).browser().send().await;
        page.assert_status(StatusCode::BAD_REQUEST);
        assert!(page.is_html(), "{path}: {page:?}");
    }
}

#[tokio::test]
async fn whoami_returns_the_local_identity() {
    let app = TestApp::local();
    let res = app.server_fn("/api/whoami").await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        res.json(),
        json!({ "name": "local", "email": null, "admin": true, "via": "Local" })
    );
}

#[tokio::test]
async fn server_functions_refuse_undecodable_bodies_with_a_client_error() {
    let app = TestApp::local();
    for (content_type, body) in [
        ("text/plain", b"\xff\xfe".to_vec()),
        (
            "application/x-www-form-urlencoded",
            vec![b'a'; 3 * 1024 * 1024],
        ),
    ] {
        let res = app
            .post("/api/whoami")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        assert!(
            res.status.is_client_error(),
            "{content_type}: {} {}",
            res.status,
            res.body
        );
        for internal in ["Deserialization", "utf-8", "length limit"] {
            assert!(!res.body.contains(internal), "{content_type}: {}", res.body);
        }
    }
}

/// A small deterministic generator: hostile input that is the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next_byte(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.to_le_bytes()[0]
    }
}

#[tokio::test]
async fn hostile_input_never_causes_a_server_error() {
    let app = TestApp::local();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut paths = vec![
        // http::Uri refuses anything longer; over TCP hyper answers 414 (see below).
        format!("/{}", "a".repeat(65_000)),
        format!("/resources/{}", "a/".repeat(30_000)),
        format!("/workbench/{}", "%ff".repeat(20_000)),
        "/workbench/%00".to_owned(),
        "/resources/%c0%af".to_owned(),
        "/api/whoami%00".to_owned(),
    ];
    for prefix in ["/", "/workbench/", "/resources/", "/pkg/", "/api/"] {
        for _ in 0..10 {
            let encoded: String = (0..48)
                .map(|_| format!("%{:02X}", rng.next_byte()))
                .collect();
            paths.push(format!("{prefix}{encoded}"));
        }
    }
    for path in &paths {
        for method in [Method::GET, Method::POST] {
            let res = app.request(method.clone(), path).browser().send().await;
            assert!(
                res.status.is_client_error() || res.status.is_success(),
                "{method} {}…: {} {}",
                &path[..path.len().min(80)],
                res.status,
                res.body
            );
        }
    }

    let huge_accept = format!("{BROWSER_ACCEPT},{}", "text/x-junk;q=0.1,".repeat(60_000));
    for path in ["/workbench/brain", "/resources", "/nope", "/healthz"] {
        let res = app.get(path).header("accept", &huge_accept).send().await;
        assert!(
            !res.status.is_server_error(),
            "{path}: {} {}",
            res.status,
            res.body
        );
    }
    let res = app
        .get("/workbench/brain")
        .header("accept", &huge_accept)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
}

/// Serves `state` on a fresh port on 127.0.0.1 until the returned sender fires.
async fn spawn_server(
    state: AppState,
) -> (
    String,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop, server)
}

#[tokio::test]
async fn serve_answers_over_tcp_and_stops_gracefully() {
    let app = TestApp::local();
    let (base, stop, server) = spawn_server(app.state()).await;

    let client = reqwest::Client::new();
    let res = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("JSON body");
    assert_eq!(body["status"], "ok");
    let res = client
        .get(format!("{base}/workbench/brain"))
        .send()
        .await
        .expect("GET page");
    assert_eq!(res.status(), reqwest::StatusCode::OK);

    // The client keeps its connection open: shutdown must not wait on an idle one.
    stop.send(()).expect("server still running");
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns soon after shutdown")
        .expect("serve task did not panic");
    result.expect("serve returns Ok after a graceful shutdown");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "still listening"
    );
}

/// Sends `request` as raw bytes and returns the status line of the answer.
async fn raw_status_line(base: &str, request: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // The server may answer and close before reading all of an oversized request.
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response);
    text.lines().next().unwrap_or("").to_owned()
}

#[tokio::test]
async fn hostile_requests_over_tcp_get_client_errors() {
    let app = TestApp::local();
    let (base, stop, server) = spawn_server(app.state()).await;

    let long_path = format!("/{}", "a".repeat(64 * 1024));
    let request =
        format!("GET {long_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let status = raw_status_line(&base, request.as_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 4"), "64 KiB path: {status:?}");

    let mut rng = XorShift(42);
    let garbage: Vec<u8> = (0..4096).map(|_| rng.next_byte()).collect();
    let status = raw_status_line(&base, &garbage).await;
    assert!(
        status.is_empty() || status.starts_with("HTTP/1.1 4"),
        "garbage: {status:?}"
    );

    let mut request =
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Bytes: ".to_vec();
    request.extend((0..2048).map(|_| rng.next_byte().max(0x80)));
    request.extend_from_slice(b"\r\n\r\n");
    let status = raw_status_line(&base, &request).await;
    assert!(
        !status.starts_with("HTTP/1.1 5"),
        "binary header: {status:?}"
    );

    // The server still answers afterwards.
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let status = raw_status_line(&base, request).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");

    stop.send(()).expect("server still running");
    server
        .await
        .expect("serve task")
        .expect("graceful shutdown");
}

#[tokio::test]
async fn serve_refuses_a_wildcard_listener_in_local_mode() {
    let app = TestApp::local();
    let listener = TcpListener::bind("0.0.0.0:0").await.expect("bind");
    let err = server::serve(listener, app.state(), std::future::pending())
        .await
        .expect_err("local mode must not listen beyond loopback");
    let message = format!("{err:#}");
    assert!(message.contains("cloudflare-access"), "{message}");
    assert!(message.contains("loopback"), "{message}");
}

/// The identity is rendered with the page, not behind a Suspense: a streamed page can then
/// never be left waiting on it (Leptos SSR hangs seen under load, see docs/BENCHMARKS.md).
#[tokio::test]
async fn the_top_bar_knows_who_without_waiting() {
    let app = TestApp::local();
    let res = app.get("/workbench/brain").browser().send().await;
    res.assert_status(http::StatusCode::OK);
    let bar = &res.body[..res.body.find("</header>").expect("a top bar")];
    assert!(bar.contains("data-who="), "{bar}");
    assert!(bar.contains("who-local"), "{bar}");
}
