//! The terminal endpoints as mounted in the real router: behind the auth layer, with the
//! origin check on the WebSocket upgrade, permessage-deflate negotiated as with a browser,
//! and ended with the server.

mod support;

use futures_util::{SinkExt, StreamExt};
use support::TestApp;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use workbench_terminal::testing::token;

async fn spawn(
    app: &TestApp,
) -> (
    std::net::SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(server::serve(listener, app.state(), async {
        let _ = stopped.await;
    }));
    (addr, stop, handle)
}

#[tokio::test]
async fn a_shell_over_the_real_router_then_shutdown_ends_it() {
    let app = TestApp::local();
    let (addr, stop, handle) = spawn(&app).await;
    let token = token(addr, "shell").await;

    let profiles: serde_json::Value = reqwest::get(format!("http://{addr}/terminal/profiles"))
        .await
        .expect("profiles")
        .json()
        .await
        .expect("json");
    assert_eq!(profiles[0]["name"], "shell");
    assert_eq!(profiles[1]["title"], "Claude Code");

    let mut req = format!("ws://{addr}/terminal/shell/ws")
        .into_client_request()
        .expect("req");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "tty".parse().expect("h"));
    req.headers_mut()
        .insert("Origin", format!("http://{addr}").parse().expect("h"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("same-origin upgrade");
    let hello = format!(r#"{{"AuthToken":"{token}","columns":80,"rows":24}}"#);
    ws.send(Message::Binary(hello.into_bytes().into()))
        .await
        .expect("hello");
    ws.send(Message::Binary(
        b"0echo hi-$((6*7)); echo pid=$$=\r".to_vec().into(),
    ))
    .await
    .expect("input");
    let mut out = String::new();
    // The typed line is echoed too (`pid=$$=`): wait for the shell's answer, digits.
    let shown_pid = |out: &str| -> Option<u32> {
        out.split("pid=")
            .skip(1)
            .find_map(|s| s.split('=').next()?.parse().ok())
    };
    while shown_pid(&out).is_none() || !out.contains("hi-42") {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(15), ws.next())
            .await
            .expect("output in time")
            .expect("open")
            .expect("message");
        if let Message::Binary(b) = msg
            && b.first() == Some(&b'0')
        {
            out.push_str(&String::from_utf8_lossy(&b[1..]));
        }
    }
    let pid = shown_pid(&out).expect("pid");
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());

    stop.send(()).expect("running");
    drop(ws);
    tokio::time::timeout(std::time::Duration::from_secs(10), handle)
        .await
        .expect("stops")
        .expect("join")
        .expect("ok");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "shell {pid} outlived the server"
    );
}

#[tokio::test]
async fn cross_site_websocket_upgrades_are_refused() {
    let app = TestApp::local();
    let (addr, _stop, _handle) = spawn(&app).await;
    let mut req = format!("ws://{addr}/terminal/shell/ws")
        .into_client_request()
        .expect("req");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "tty".parse().expect("h"));
    req.headers_mut()
        .insert("Origin", "http://evil.example".parse().expect("h"));
    let err = tokio_tungstenite::connect_async(req)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
}

#[tokio::test]
async fn a_browser_like_upgrade_gets_deflate_and_tty_through_the_router() {
    use workbench_terminal::testing::{BROWSER_OFFER, Client, Transport, upgrade};
    let app = TestApp::local();
    let (addr, _stop, _handle) = spawn(&app).await;
    let token = token(addr, "shell").await;
    let origin = format!("http://{addr}");
    let up = upgrade(
        addr,
        "/terminal/shell/ws",
        &[
            ("Origin", origin.as_str()),
            ("Sec-WebSocket-Protocol", "tty"),
            ("Sec-WebSocket-Extensions", BROWSER_OFFER),
        ],
    )
    .await;
    assert_eq!(up.status, 101);
    assert_eq!(up.header("sec-websocket-protocol"), Some("tty"));
    assert_eq!(
        up.header("sec-websocket-extensions"),
        Some("permessage-deflate")
    );
    let (ws, _) = up.into_client();
    let mut c = Client::from_transport(Transport::Deflate(Box::new(ws)));
    c.hello(&token, (80, 24)).await;
    c.input("echo deflated-$((6*7))\r").await;
    c.expect_output("deflated-42", 15).await;
    c.close_normally().await;

    // The origin check still comes first.
    let up = upgrade(
        addr,
        "/terminal/shell/ws",
        &[
            ("Origin", "http://evil.example"),
            ("Sec-WebSocket-Extensions", BROWSER_OFFER),
        ],
    )
    .await;
    assert_eq!(up.status, 403);
}
