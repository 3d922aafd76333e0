//! permessage-deflate (RFC 7692) on the terminal WebSocket: negotiated when offered (with
//! the `tty` subprotocol), output byte-exact through it with PAUSE/RESUME, odd and hostile
//! offers declined cleanly, and a compression bomb refused with 1009 and bounded memory.
//! Clients that offer nothing are covered by every other test file.

use workbench_terminal::testing as harness;

use std::sync::atomic::Ordering;
use std::time::Duration;

use harness::{BROWSER_OFFER, Client, Kind, TestServer, Transport, config, profile, upgrade};
use tokio::io::AsyncWriteExt;
use workbench_config::{TerminalCompression, TerminalConfig};

const SECS: u64 = 30;

fn sh(script: &str) -> Vec<&str> {
    vec!["sh", "-c", script]
}

/// What `script` prints, as it reaches a terminal (the PTY turns `\n` into `\r\n`).
fn expected_output(script: &str) -> Vec<u8> {
    let out = std::process::Command::new("sh")
        .args(["-c", script])
        .output()
        .expect("run script");
    let mut expected = Vec::with_capacity(out.stdout.len() * 2);
    for &b in &out.stdout {
        if b == b'\n' {
            expected.push(b'\r');
        }
        expected.push(b);
    }
    expected
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The upgrade a ttyd client sends (`tty`) with this extension offer.
async fn ttyd_offering(
    addr: std::net::SocketAddr,
    offer: &str,
) -> workbench_terminal::testing::Upgraded {
    upgrade(
        addr,
        "/terminal/sh/ws",
        &[
            ("Sec-WebSocket-Protocol", "tty"),
            ("Sec-WebSocket-Extensions", offer),
        ],
    )
    .await
}

#[tokio::test]
async fn a_browser_offer_gets_deflate_and_the_tty_subprotocol() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    for offer in [BROWSER_OFFER, "permessage-deflate"] {
        let up = ttyd_offering(server.addr, offer).await;
        assert_eq!(up.status, 101);
        assert_eq!(up.header("sec-websocket-protocol"), Some("tty"));
        assert_eq!(
            up.header("sec-websocket-extensions"),
            Some("permessage-deflate"),
            "{offer}"
        );
    }
    // The flags a client may ask for are honoured and answered.
    let up = upgrade(
        server.addr,
        "/terminal/sh/ws",
        &[(
            "Sec-WebSocket-Extensions",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        )],
    )
    .await;
    assert_eq!(
        up.header("sec-websocket-extensions"),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    );
    assert_eq!(
        up.header("sec-websocket-protocol"),
        None,
        "tty is answered only when offered"
    );
    // Nothing offered, nothing answered.
    let up = upgrade(
        server.addr,
        "/terminal/sh/ws",
        &[("Sec-WebSocket-Protocol", "tty")],
    )
    .await;
    assert_eq!(up.status, 101);
    assert_eq!(up.header("sec-websocket-extensions"), None);

    // And a session works through it.
    let mut c = server.open_as(Kind::Deflate, "sh", "", (90, 33)).await;
    assert_eq!(c.extensions.as_deref(), Some("permessage-deflate"));
    assert_eq!(c.subprotocol.as_deref(), Some("tty"));
    c.input("echo hi-$((6*7))\r").await;
    c.expect_output("hi-42", SECS).await;
    c.input("stty size\r").await;
    c.expect_output("33 90", SECS).await;
    c.resize(120, 40).await;
    c.input("stty size\r").await;
    c.expect_output("40 120", SECS).await;
    assert_eq!(&c.order[..2], b"12");
}

#[tokio::test]
async fn compression_off_in_the_config_is_never_negotiated() {
    let server = TestServer::start(TerminalConfig {
        compression: TerminalCompression::Off,
        ..config(vec![profile("sh", &["sh"])])
    })
    .await;
    let mut c = server.open_as(Kind::Deflate, "sh", "", (80, 24)).await;
    assert_eq!(c.extensions, None);
    assert_eq!(c.subprotocol.as_deref(), Some("tty"));
    c.input("echo plain-$((1+1))\r").await;
    c.expect_output("plain-2", SECS).await;
}

/// Output, compressible and not, arrives byte for byte with deflate on, and far smaller on
/// the wire when it compresses; PAUSE stops it midway and RESUME loses nothing.
#[tokio::test]
async fn output_is_byte_exact_through_compression_with_pause_and_resume() {
    let dir = tempfile::tempdir().expect("tempdir");
    let random = dir.path().join("random.bin");
    std::fs::write(&random, {
        let mut bytes = vec![0u8; 3_000_000];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for b in &mut bytes {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        bytes
    })
    .expect("write");
    let zeros = "head -c 8000000 /dev/zero | base64".to_string();
    let noise = format!("base64 {}", random.display());
    let server = TestServer::start(config(vec![
        profile("zeros", &sh(&zeros)),
        profile("noise", &sh(&noise)),
    ]))
    .await;
    for (name, script, most_wire_per_byte) in [("zeros", &zeros, 0.05), ("noise", &noise, 0.9)] {
        let expected = expected_output(script);
        let mut c = server.open_as(Kind::Deflate, name, "", (80, 24)).await;
        assert_eq!(c.extensions.as_deref(), Some("permessage-deflate"));
        while c.output.len() < 1_000_000 {
            assert!(c.step(Duration::from_secs(SECS)).await, "{name}: output");
        }
        c.send_raw(b"2".to_vec()).await;
        while c.step(Duration::from_millis(500)).await {}
        let paused_at = c.output.len();
        assert!(
            !c.step(Duration::from_secs(1)).await,
            "{name}: output after PAUSE"
        );
        assert!(paused_at < expected.len(), "{name}: paused before the end");
        c.send_raw(b"3".to_vec()).await;
        assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1000));
        assert_eq!(c.output.len(), expected.len(), "{name}: length");
        assert!(c.output == expected, "{name}: bytes differ");
        let wire = c.wire.as_ref().expect("counted").load(Ordering::Relaxed) as f64;
        let ratio = wire / expected.len() as f64;
        assert!(
            ratio < most_wire_per_byte,
            "{name}: {wire} bytes on the wire for {} of output",
            expected.len()
        );
    }
}

#[tokio::test]
async fn resume_storms_while_the_reader_stalls_lose_nothing_through_compression() {
    const N: usize = 600_000;
    let server = TestServer::start(config(vec![profile("seq", &["seq", "1", "600000"])])).await;
    let mut c = server.open_as(Kind::Deflate, "seq", "", (80, 24)).await;
    c.expect_output("\n1000\r", SECS).await;
    for _ in 0..50 {
        c.send_raw(b"3".to_vec()).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(c.until_closed(60).await.map(|c| c.0), Some(1000));
    let text = c.text();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), N, "every line arrived");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line.parse::<usize>().ok(), Some(i + 1), "line {i} in order");
    }
}

#[tokio::test]
async fn close_codes_and_the_last_output_survive_compression() {
    let server = TestServer::start(config(vec![
        profile("ok", &sh("printf 'line1\\nLASTWORDS\\n'")),
        profile("fail", &sh("echo failing; exit 3")),
        profile("sh", &["sh"]),
    ]))
    .await;
    for _ in 0..10 {
        let mut c = server.open_as(Kind::Deflate, "ok", "", (80, 24)).await;
        let close = c.until_closed(SECS).await;
        assert!(c.text().contains("LASTWORDS"), "{:?}", c.text());
        assert_eq!(close, Some((1000, "exit status 0".into())));
    }
    let mut c = server.open_as(Kind::Deflate, "fail", "", (80, 24)).await;
    assert_eq!(
        c.until_closed(SECS).await,
        Some((1011, "exit status 3".into()))
    );
    assert!(c.text().contains("failing"));

    let mut c = Client::connect_as(Kind::Deflate, server.addr, "/terminal/sh/ws").await;
    c.hello("not-the-token", (80, 24)).await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1008));

    let server = TestServer::start(TerminalConfig {
        max_clients: 1,
        ..config(vec![profile("sh", &["sh"])])
    })
    .await;
    let mut a = server
        .open_as(Kind::Deflate, "sh", "?session=new", (80, 24))
        .await;
    a.input("echo a-ok\r").await;
    a.expect_output("a-ok", SECS).await;
    let mut b = server.open_as(Kind::Deflate, "sh", "", (80, 24)).await;
    assert_eq!(b.until_closed(SECS).await.map(|c| c.0), Some(1013));
    assert!(b.text().contains("max_clients"), "{}", b.text());
    // Reattaching takes the session over: the first client gets 4001, the second the
    // scrollback, through compression both.
    let id = a.prefs.as_ref().expect("prefs")["session"]
        .as_str()
        .expect("session id")
        .to_owned();
    let mut b = server
        .open_as(Kind::Deflate, "sh", &format!("?session={id}"), (80, 24))
        .await;
    b.expect_output("a-ok", SECS).await;
    assert_eq!(a.until_closed(SECS).await.map(|c| c.0), Some(4001));
    b.close_normally().await;
    assert!(harness::eventually(5, || server.terminals.session_count() == 0).await);
}

#[tokio::test]
async fn odd_and_hostile_offers_are_declined_and_the_socket_works_uncompressed() {
    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let token = server.token("sh").await;
    let huge = format!("permessage-deflate; {}", "x".repeat(64 * 1024));
    for offer in [
        "permessage-deflate; server_max_window_bits=10",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=99999999999999999999",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; foo=bar",
        "permessage-deflate; client_max_window_bits=\"10\"",
        ";;;==,,",
        "x-webkit-deflate-frame",
        huge.as_str(),
    ] {
        let up = ttyd_offering(server.addr, offer).await;
        let shown: String = offer.chars().take(60).collect();
        assert_eq!(up.status, 101, "{shown}");
        assert_eq!(up.header("sec-websocket-extensions"), None, "{shown}");
        assert_eq!(up.header("sec-websocket-protocol"), Some("tty"));
        let (ws, _) = up.into_client();
        let mut c = Client::from_transport(Transport::Deflate(Box::new(ws)));
        c.hello(&token, (80, 24)).await;
        c.input("echo fine-$((2+3))\r").await;
        c.expect_output("fine-5", SECS).await;
        c.close_normally().await;
    }
    // A header past what the HTTP server reads at all is refused before any handshake.
    let enormous = "a".repeat(1024 * 1024);
    let up = upgrade(
        server.addr,
        "/terminal/sh/ws",
        &[("Sec-WebSocket-Extensions", enormous.as_str())],
    )
    .await;
    assert!(
        up.status == 0 || (400..500).contains(&up.status),
        "{}",
        up.status
    );
    let mut c = server.open_as(Kind::Deflate, "sh", "", (80, 24)).await;
    c.input("echo still-$((3+4))\r").await;
    c.expect_output("still-7", SECS).await;
}

/// One message of a few hundred KB that inflates to 512 MiB: the server stops inflating at
/// the 1 MiB message bound and closes with 1009, whether the bomb is the first message (the
/// hello) or comes during a session.
#[tokio::test]
async fn a_compression_bomb_is_refused_with_1009_and_memory_stays_flat() {
    use flate2::{Compress, Compression, FlushCompress};
    // 1 MiB of zeros, compressed and fully flushed, inflates to the same from any state, so
    // 512 copies are one deflate stream of 512 MiB.
    let zeros = vec![0u8; 1024 * 1024];
    let mut block = Vec::with_capacity(4096);
    let mut z = Compress::new(Compression::best(), false);
    z.compress_vec(&zeros, &mut block, FlushCompress::Full)
        .expect("deflate");
    assert!(block.ends_with(&[0, 0, 0xff, 0xff]) && block.len() < 4096);
    let mut payload = block.repeat(512);
    // RFC 7692 §7.2.1: the sender drops the final sync marker.
    payload.truncate(payload.len() - 4);
    let bomb = client_frame(&payload, true);
    drop(zeros);

    let server = TestServer::start(config(vec![profile("sh", &["sh"])])).await;
    let token = server.token("sh").await;
    let rss_before = status_kb("VmRSS:");
    for during_session in [false, true, false, true] {
        let up = ttyd_offering(server.addr, BROWSER_OFFER).await;
        assert_eq!(
            up.header("sec-websocket-extensions"),
            Some("permessage-deflate")
        );
        let mut up = up;
        // Straight onto the socket: a client library would compress the bomb again.
        if during_session {
            let hello = format!(r#"{{"AuthToken":"{token}","columns":80,"rows":24}}"#);
            up.stream
                .write_all(&client_frame(hello.as_bytes(), false))
                .await
                .expect("hello");
        }
        up.stream.write_all(&bomb).await.expect("bomb");
        let (ws, _) = up.into_client();
        let mut c = Client::from_transport(Transport::Deflate(Box::new(ws)));
        let close = c.until_closed(SECS).await;
        assert_eq!(
            close.map(|c| c.0),
            Some(1009),
            "during session: {during_session}"
        );
    }
    let peak = status_kb("VmHWM:");
    assert!(
        peak < rss_before + 128 * 1024,
        "peak RSS {peak} KB against {rss_before} KB before the bombs"
    );
    // As with any connection that fails, the two sessions wait to be reattached.
    assert_eq!(server.terminals.session_count(), 2);
}

/// A client's binary frame, masked with a zero key (which leaves the payload as it is),
/// with RSV1 set when `compressed`.
fn client_frame(payload: &[u8], compressed: bool) -> Vec<u8> {
    let mut frame = vec![0x80 | if compressed { 0x40 } else { 0 } | 0x2];
    match payload.len() {
        n @ 0..=125 => frame.push(0x80 | n as u8),
        n @ 126..=0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend_from_slice(payload);
    frame
}
