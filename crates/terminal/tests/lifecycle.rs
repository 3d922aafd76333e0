//! Sessions outlive a dropped WebSocket for the grace period, reattach with their
//! scrollback, and are then signalled and reaped: no orphans, no zombies.

use workbench_terminal::testing as harness;

use harness::{TestServer, alive, config, eventually, exists, profile};
use workbench_config::TerminalConfig;

const SECS: u64 = 15;

/// `$$` and a background job's pid, printed by the shell as `pids:<shell>:<job>`.
async fn start_shell_with_job(c: &mut harness::Client) -> (u32, u32) {
    // The quotes keep the echoed command line from matching what the shell prints.
    c.input("sleep 1000 & echo \"P\"\"IDS:$$:$!:end\"\r").await;
    c.expect_output("PIDS:", SECS).await;
    c.expect_output(":end", SECS).await;
    let text = c.text();
    let line = text.rsplit("PIDS:").next().expect("pids line");
    let mut parts = line.split(':');
    let shell = parts
        .next()
        .and_then(|p| p.parse().ok())
        .expect("shell pid");
    let job = parts.next().and_then(|p| p.parse().ok()).expect("job pid");
    (shell, job)
}

#[tokio::test]
async fn reattach_replays_scrollback_into_the_same_process() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "?session=new", (80, 24)).await;
    c.input("echo marker-$((40+2)); echo pid=$$=\r").await;
    c.expect_output("pid=", SECS).await;
    c.expect_output("marker-42", SECS).await;
    let id = c
        .prefs
        .as_ref()
        .and_then(|p| p["session"].as_str())
        .expect("session id in prefs")
        .to_owned();
    let pid_line = |t: &str| {
        t.rsplit("pid=")
            .next()
            .and_then(|s| s.split('=').next())
            .map(String::from)
    };
    let pid = pid_line(&c.text()).expect("pid");
    c.drop_connection();

    let mut again = server
        .open("sh", &format!("?session={id}"), (100, 30))
        .await;
    again.expect_output("marker-42", SECS).await;
    assert_eq!(
        again.prefs.as_ref().and_then(|p| p["session"].as_str()),
        Some(id.as_str())
    );
    again.input("echo again=$$=; stty size\r").await;
    again.expect_output("30 100", SECS).await;
    assert!(
        again.text().contains(&format!("again={pid}=")),
        "same shell: {}",
        again.text()
    );
    assert_eq!(server.terminals.session_count(), 1);
}

#[tokio::test]
async fn unknown_session_ids_open_a_new_session() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server
        .open("sh", "?session=0123456789abcdef", (80, 24))
        .await;
    c.input("echo fresh\r").await;
    c.expect_output("fresh", SECS).await;
    let id = c
        .prefs
        .as_ref()
        .and_then(|p| p["session"].as_str())
        .expect("id");
    assert_ne!(id, "0123456789abcdef");
}

#[tokio::test]
async fn a_second_client_replaces_the_first() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut a = server.open("sh", "?session=new", (80, 24)).await;
    a.input("echo one\r").await;
    a.expect_output("one", SECS).await;
    let id = a
        .prefs
        .as_ref()
        .and_then(|p| p["session"].as_str())
        .expect("id")
        .to_owned();
    let mut b = server.open("sh", &format!("?session={id}"), (80, 24)).await;
    b.expect_output("one", SECS).await;
    assert_eq!(a.until_closed(SECS).await.map(|c| c.0), Some(4001));
    b.input("echo two\r").await;
    b.expect_output("two", SECS).await;
}

#[tokio::test]
async fn grace_period_ends_with_the_process_group_reaped() {
    let server = TestServer::start(TerminalConfig {
        grace_seconds: 1,
        ..config(vec![profile("sh", &["sh"])])
    })
    .await;
    let mut c = server.open("sh", "?session=new", (80, 24)).await;
    let (shell, job) = start_shell_with_job(&mut c).await;
    assert!(alive(shell) && alive(job));
    c.drop_connection();
    // Still there during the grace period...
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(alive(shell) && alive(job), "kept during the grace period");
    // ...then the shell is reaped (no zombie left) and its job is gone.
    assert!(
        eventually(SECS, || !exists(shell)).await,
        "shell {shell} still exists (zombie?)"
    );
    assert!(
        eventually(SECS, || !alive(job)).await,
        "job {job} outlived its session"
    );
    assert_eq!(server.terminals.session_count(), 0);
}

#[tokio::test]
async fn closing_normally_ends_the_session_at_once() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "?session=new", (80, 24)).await;
    let (shell, job) = start_shell_with_job(&mut c).await;
    c.close_normally().await;
    assert!(eventually(5, || !exists(shell) && !alive(job)).await);
    assert_eq!(server.terminals.session_count(), 0);
}

#[tokio::test]
async fn exit_leaves_no_background_jobs_behind() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "", (80, 24)).await;
    let (shell, job) = start_shell_with_job(&mut c).await;
    c.input("exit 0\r").await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1000));
    assert!(eventually(5, || !exists(shell) && !alive(job)).await);
    assert!(eventually(5, || server.terminals.session_count() == 0).await);
}

#[tokio::test]
async fn a_process_that_ends_while_detached_is_reported_on_reattach() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "?session=new", (80, 24)).await;
    c.input("echo ok\r").await;
    c.expect_output("ok", SECS).await;
    let id = c
        .prefs
        .as_ref()
        .and_then(|p| p["session"].as_str())
        .expect("id")
        .to_owned();
    c.input("sleep 1; echo bye-bye; exit 5\r").await;
    c.drop_connection();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mut again = server.open("sh", &format!("?session={id}"), (80, 24)).await;
    let close = again.until_closed(SECS).await;
    assert!(again.text().contains("bye-bye"), "{}", again.text());
    assert_eq!(close, Some((1011, "exit status 5".into())));
    assert!(eventually(5, || server.terminals.session_count() == 0).await);
}

#[tokio::test]
async fn shutdown_ends_every_session() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let mut c = server.open("sh", "", (80, 24)).await;
    let (shell, job) = start_shell_with_job(&mut c).await;
    server.terminals.shutdown().await;
    assert!(eventually(5, || !exists(shell) && !alive(job)).await);
}
