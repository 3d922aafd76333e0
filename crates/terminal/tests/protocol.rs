//! Conformance of `/terminal/<profile>/` to the ttyd protocol (ttyd-protocol.md), and the
//! places where we must do better than ttyd 1.7: PAUSE works, RESUME storms lose nothing,
//! the last output arrives before a legal close frame.

use workbench_terminal::testing as harness;

use std::time::Duration;

use harness::{Client, TestServer, config, profile};
use workbench_config::TerminalConfig;

const SECS: u64 = 15;

fn sh(script: &str) -> Vec<&str> {
    vec!["sh", "-c", script]
}

#[tokio::test]
async fn hello_then_title_then_preferences_then_output() {
    let server = TestServer::start(config(vec![profile("p", &sh("echo started; sleep 5"))])).await;
    let mut c = server.open("p", "", (80, 24)).await;
    assert_eq!(c.subprotocol.as_deref(), Some("tty"));
    c.expect_output("started", SECS).await;
    assert_eq!(
        &c.order[..2],
        b"12",
        "title, then preferences, before any output"
    );
    assert!(c.order[2..].iter().all(|&b| b == b'0'));
    let title = c.title.clone().expect("title");
    assert!(
        title.starts_with("sh -c echo started; sleep 5 ("),
        "{title}"
    );
    assert!(c.prefs.as_ref().expect("prefs").contains_key("fontSize"));
    assert_eq!(
        c.prefs.as_ref().expect("prefs")["theme"]["background"],
        "#1e1e1e",
        "the [terminal] theme, as xterm.js's ITheme"
    );
    assert!(
        !c.prefs.as_ref().expect("prefs").contains_key("session"),
        "plain ttyd clients get plain prefs"
    );
}

#[tokio::test]
async fn token_endpoint_and_unknown_profiles() {
    let server = TestServer::start(config(vec![profile("p", &["sh"])])).await;
    let resp = reqwest::get(server.url("/terminal/p/token"))
        .await
        .expect("GET");
    assert_eq!(
        resp.headers()["content-type"],
        "application/json;charset=utf-8"
    );
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(body["token"].as_str().is_some_and(|t| t.len() >= 32));
    for path in [
        "/terminal/nope/token",
        "/terminal/nope/ws",
        "/terminal/../p/token",
    ] {
        let status = reqwest::get(server.url(path)).await.expect("GET").status();
        assert!(status.is_client_error(), "{path}: {status}");
    }
    let list: serde_json::Value = reqwest::get(server.url("/terminal/profiles"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["name"], "p");
    assert_eq!(list[0]["available"], true);
}

#[tokio::test]
async fn echo_and_resize_reach_the_pty() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "", (90, 33)).await;
    c.input("echo hi-$((6*7))\r").await;
    c.expect_output("hi-42", SECS).await;
    c.input("stty size\r").await;
    c.expect_output("33 90", SECS).await;
    c.resize(120, 40).await;
    c.input("stty size\r").await;
    c.expect_output("40 120", SECS).await;
}

#[tokio::test]
async fn wrong_token_is_policy_violation_and_no_hello_is_protocol_error() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = Client::connect(server.addr, "/terminal/sh/ws").await;
    c.hello("not-the-token", (80, 24)).await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1008));
    assert!(c.output.is_empty());

    let mut c = Client::connect(server.addr, "/terminal/sh/ws").await;
    c.send_raw(b"0echo x\r".to_vec()).await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1002));

    let mut c = Client::connect(server.addr, "/terminal/sh/ws").await;
    c.send_raw(b"{not json".to_vec()).await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1002));
    assert_eq!(server.terminals.session_count(), 0);
}

#[tokio::test]
async fn hostile_messages_are_ignored_or_refused() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "", (80, 24)).await;
    for junk in [
        &b"9"[..],
        b"\x00",
        b"1{\"columns\":-1,\"rows\":5}",
        b"1[80,24]",
        b"1{\"columns\":99999,\"rows\":1}",
        b"{}",
    ] {
        c.send_raw(junk.to_vec()).await;
    }
    c.input("echo still-$((1+1))\r").await;
    c.expect_output("still-2", SECS).await;
    // One message over the limit ends the connection.
    c.send_raw(vec![b'0'; 2 * 1024 * 1024]).await;
    let _ = c.until_closed(SECS).await;
}

#[tokio::test]
async fn read_only_profiles_drop_input() {
    let mut p = profile("ro", &sh("echo ready; sleep 2; echo done"));
    p.read_only = true;
    let server = TestServer::start(config(vec![p])).await;
    let mut c = server.open("ro", "", (80, 24)).await;
    c.expect_output("ready", SECS).await;
    c.input("typed-by-someone\r").await;
    c.resize(100, 30).await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1000));
    assert!(c.text().contains("done"));
    assert!(
        !c.text().contains("typed-by-someone"),
        "the pty never saw the input: {:?}",
        c.text()
    );
}

#[tokio::test]
async fn max_clients_refuses_with_a_message() {
    let server = TestServer::start(TerminalConfig {
        max_clients: 2,
        ..config(vec![profile("sh", &["sh"])])
    })
    .await;
    let mut a = server.open("sh", "", (80, 24)).await;
    let mut b = server.open("sh", "", (80, 24)).await;
    a.input("echo a-ok\r").await;
    b.input("echo b-ok\r").await;
    a.expect_output("a-ok", SECS).await;
    b.expect_output("b-ok", SECS).await;
    let mut c = server.open("sh", "", (80, 24)).await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1013));
    assert!(c.text().contains("max_clients"), "{}", c.text());
    // Closing one lets the next in.
    a.close_normally().await;
    assert!(harness::eventually(5, || server.terminals.session_count() == 1).await);
    let mut d = server.open("sh", "", (80, 24)).await;
    d.input("echo d-ok\r").await;
    d.expect_output("d-ok", SECS).await;
}

#[tokio::test]
async fn exit_codes_become_close_codes_after_the_last_output() {
    let server = TestServer::start(config(vec![
        profile("ok", &sh("printf 'line1\\nLASTWORDS\\n'")),
        profile("fail", &sh("echo failing; exit 3")),
    ]))
    .await;
    for _ in 0..20 {
        let mut c = server.open("ok", "", (80, 24)).await;
        let close = c.until_closed(SECS).await;
        assert!(
            c.text().contains("LASTWORDS"),
            "last output lost: {:?}",
            c.text()
        );
        assert_eq!(close, Some((1000, "exit status 0".into())));
    }
    let mut c = server.open("fail", "", (80, 24)).await;
    let close = c.until_closed(SECS).await;
    assert!(c.text().contains("failing"));
    assert_eq!(close, Some((1011, "exit status 3".into())));
}

#[tokio::test]
async fn missing_program_says_so_in_the_terminal() {
    let server = TestServer::start(config(vec![profile("claude", &["no-such-program-xyz"])])).await;
    let mut c = server.open("claude", "", (80, 24)).await;
    let close = c.until_closed(SECS).await;
    assert_eq!(&c.order[..2], b"12");
    let text = c.text();
    assert!(
        text.contains("no-such-program-xyz is not installed"),
        "{text}"
    );
    assert!(
        text.contains("workbench.toml"),
        "says how to configure it: {text}"
    );
    assert_eq!(close.map(|c| c.0), Some(1011));
    assert_eq!(server.terminals.session_count(), 0);
}

#[tokio::test]
async fn pause_really_stops_output_and_resume_restarts_it() {
    let server = TestServer::start(config(vec![profile("yes", &["yes"])])).await;
    let mut c = server.open("yes", "", (80, 24)).await;
    c.expect_output("y\r\ny", SECS).await;
    c.send_raw(b"2".to_vec()).await;
    // What was already in flight drains; then nothing more comes.
    while c.step(Duration::from_millis(500)).await {}
    let before = c.output.len();
    assert!(!c.step(Duration::from_secs(1)).await, "output after PAUSE");
    assert_eq!(c.output.len(), before);
    c.send_raw(b"3".to_vec()).await;
    assert!(c.step(Duration::from_secs(5)).await, "output resumes");
    assert!(c.output.len() > before);
}

#[tokio::test]
async fn resume_storms_while_the_reader_stalls_lose_nothing() {
    const N: usize = 600_000;
    let server = TestServer::start(config(vec![profile("seq", &["seq", "1", "600000"])])).await;
    let mut c = server.open("seq", "", (80, 24)).await;
    c.expect_output("\n1000\r", SECS).await;
    // Stall the reader for a second while sending 50 RESUMEs.
    for _ in 0..50 {
        c.send_raw(b"3".to_vec()).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let close = c.until_closed(60).await;
    assert_eq!(close.map(|c| c.0), Some(1000));
    let text = c.text();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), N, "every line arrived");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line.parse::<usize>().ok(), Some(i + 1), "line {i} in order");
    }
}
