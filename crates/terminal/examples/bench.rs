//! Terminal benchmarks (issue 3), each against a baseline taken in the same run:
//!
//! * throughput through our WebSocket vs a bare PTY running the same command, with a client
//!   that offers no extension (tokio-tungstenite: uncompressed) and one that offers
//!   permessage-deflate as Chromium does (yawc: the server compresses at level 1), on the
//!   issue's stream `head -c N /dev/zero | base64` and on base64 of /dev/urandom, which
//!   deflate cannot shrink much;
//! * keystroke echo round trip over 1,000 keys (`cat` on a PTY echoes each key), both clients;
//! * memory while a slow client reads a flooding `yes` (back-pressure must bound it);
//! * 100 concurrent sessions each printing, both clients.
//!
//! Run: `tools/bench-terminal.sh` (= `cargo run --release -p workbench-terminal --example bench`).
//! Server and clients share this process (and the machine's cores), so RSS figures include
//! the clients, and deflate's cost is paid twice here: the server compresses and the client
//! inflates on the same cores.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use workbench_config::{TerminalConfig, TerminalProfile};
use workbench_terminal::Terminals;
use workbench_terminal::testing::{Client, Kind, Received, TestServer};

const MB: f64 = 1_000_000.0;

fn profile(name: &str, argv: &[&str]) -> TerminalProfile {
    TerminalProfile::program(name, name, argv)
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn server(config: TerminalConfig) -> (std::net::SocketAddr, Terminals) {
    let server = TestServer::start(config).await;
    (server.addr, server.terminals)
}

async fn connect(kind: Kind, addr: std::net::SocketAddr, profile: &str, token: &str) -> Client {
    let mut c = Client::connect_as(kind, addr, &format!("/terminal/{profile}/ws")).await;
    if kind == Kind::Deflate {
        assert_eq!(
            c.extensions.as_deref(),
            Some("permessage-deflate"),
            "deflate negotiated"
        );
    }
    c.hello(token, (200, 50)).await;
    c
}

/// Output bytes until the close frame, and output messages.
async fn drain(c: &mut Client) -> (usize, usize) {
    let (mut n, mut messages) = (0, 0);
    while let Some(msg) = c.ws.recv().await {
        match msg {
            Received::Data(b) if b.first() == Some(&b'0') => {
                n += b.len() - 1;
                messages += 1;
            }
            Received::Close(_) => break,
            _ => {}
        }
    }
    (n, messages)
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Plain => "uncompressed",
        Kind::Deflate => "permessage-deflate",
    }
}

async fn bare_pty(script: &str) -> (usize, Duration) {
    let (mut pty, pts) = pty_process::open().expect("pty");
    pty.resize(pty_process::Size::new(50, 200)).expect("resize");
    let start = Instant::now();
    let mut child = pty_process::Command::new("sh")
        .args(["-c", script])
        .spawn(pts)
        .expect("spawn");
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0;
    loop {
        match pty.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let _ = child.wait().await;
    (n, start.elapsed())
}

#[tokio::main]
async fn main() {
    let size_mb: usize = std::env::var("BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let zeros = format!("head -c {} /dev/zero | base64", size_mb * 1_000_000);
    let random = format!("head -c {} /dev/urandom | base64", size_mb * 1_000_000);
    let mut config = TerminalConfig {
        max_clients: 300,
        profiles: vec![
            profile("zeros", &["sh", "-c", &zeros]),
            profile("random", &["sh", "-c", &random]),
            profile("cat", &["cat"]),
            profile("yes", &["yes"]),
            profile("each", &["sh", "-c", "head -c 2000000 /dev/zero | base64"]),
        ],
        ..TerminalConfig::default()
    };
    config.grace_seconds = 1;
    let (addr, terminals) = server(config).await;
    let token = terminals.token().to_owned();

    for (name, script) in [("zeros", &zeros), ("random", &random)] {
        println!("## throughput: {script}");
        for run in 1..=3 {
            let (bare_n, bare_t) = bare_pty(script).await;
            let bare = bare_n as f64 / MB / bare_t.as_secs_f64();
            println!("run {run}: bare pty {bare:.1} MB/s ({bare_n} B)");
            for kind in [Kind::Plain, Kind::Deflate] {
                let start = Instant::now();
                let mut c = connect(kind, addr, name, &token).await;
                let (n, messages) = drain(&mut c).await;
                let t = start.elapsed();
                let ours = n as f64 / MB / t.as_secs_f64();
                let wire = c
                    .wire
                    .as_ref()
                    .map(|w| {
                        let w = w.load(Ordering::Relaxed);
                        format!(", {w} B on the wire ({:.1}x smaller)", n as f64 / w as f64)
                    })
                    .unwrap_or_default();
                println!(
                    "  websocket, {}: {ours:.1} MB/s ({n} B in {messages} messages{wire}), ratio {:.2}",
                    label(kind),
                    ours / bare
                );
            }
        }
    }

    for kind in [Kind::Plain, Kind::Deflate] {
        println!("## keystroke echo, 1000 keys to cat, {}", label(kind));
        let mut c = connect(kind, addr, "cat", &token).await;
        // Title and preferences first.
        for _ in 0..2 {
            let _ = c.ws.recv().await;
        }
        let mut samples = Vec::with_capacity(1000);
        for i in 0..1000u32 {
            let key = b'a' + (i % 26) as u8;
            let start = Instant::now();
            assert!(c.ws.send(vec![b'0', key]).await, "send");
            loop {
                match c.ws.recv().await {
                    Some(Received::Data(b)) if b.first() == Some(&b'0') && b.contains(&key) => {
                        break;
                    }
                    Some(_) => {}
                    None => panic!("connection ended"),
                }
            }
            samples.push(start.elapsed());
        }
        samples.sort();
        let p =
            |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
        println!(
            "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            p(0.5),
            p(0.99),
            p(1.0)
        );
        c.close_normally().await;
    }

    for kind in [Kind::Plain, Kind::Deflate] {
        println!("## slow reader, yes flooding, 10 s, {}", label(kind));
        let before = rss_kb();
        let mut c = connect(kind, addr, "yes", &token).await;
        let mut peak = before;
        let mut got = 0usize;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Some(Received::Data(b)) = c.ws.recv().await {
                got += b.len();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            peak = peak.max(rss_kb());
        }
        println!(
            "read {:.1} MB in 10 s; RSS before {} KB, peak {} KB, growth {:.1} MB",
            got as f64 / MB,
            before,
            peak,
            (peak.saturating_sub(before)) as f64 / 1000.0
        );
        c.close_normally().await;
    }

    for kind in [Kind::Plain, Kind::Deflate] {
        println!(
            "## 100 concurrent sessions, 2 MB of zeros through base64 each, {}",
            label(kind)
        );
        let before = rss_kb();
        let start = Instant::now();
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
        let sampler = {
            let peak = peak.clone();
            tokio::spawn(async move {
                loop {
                    peak.fetch_max(rss_kb(), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let clients = (0..100).map(|_| {
            let token = token.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let mut c = connect(kind, addr, "each", &token).await;
                let (n, _) = drain(&mut c).await;
                (n, t.elapsed())
            })
        });
        let results = futures_util::future::join_all(clients).await;
        sampler.abort();
        let total: usize = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|r| r.0)
            .sum();
        let mut rates: Vec<f64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|(n, t)| *n as f64 / MB / t.as_secs_f64())
            .collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "{} sessions, {:.1} MB total in {:.2} s ({:.1} MB/s aggregate); per session min {:.2} / median {:.2} MB/s; RSS before {} KB, peak {} KB",
            rates.len(),
            total as f64 / MB,
            start.elapsed().as_secs_f64(),
            total as f64 / MB / start.elapsed().as_secs_f64(),
            rates.first().copied().unwrap_or(0.0),
            rates.get(rates.len() / 2).copied().unwrap_or(0.0),
            before,
            peak.load(Ordering::Relaxed)
        );
        // Let the finished sessions go before the next batch counts against max_clients.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    terminals.shutdown().await;
}
