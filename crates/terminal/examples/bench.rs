//! Terminal benchmarks (issue 3), each against a baseline taken in the same run:
//!
//! * throughput of `head -c N /dev/zero | base64` through our WebSocket vs a bare PTY;
//! * keystroke echo round trip over 1,000 keys (`cat` on a PTY echoes each key);
//! * memory while a slow client reads a flooding `yes` (back-pressure must bound it);
//! * 100 concurrent sessions each printing.
//!
//! Run: `tools/bench-terminal.sh` (= `cargo run --release -p workbench-terminal --example bench`).
//! Server and clients share this process, so RSS figures include the clients.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use workbench_config::{TerminalConfig, TerminalProfile};
use workbench_terminal::Terminals;

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
    let terminals = Terminals::new(config);
    let app = workbench_terminal::router::<Terminals>().with_state(terminals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, terminals)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: std::net::SocketAddr, profile: &str, token: &str) -> Ws {
    let mut req = format!("ws://{addr}/terminal/{profile}/ws")
        .into_client_request()
        .expect("req");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "tty".parse().expect("h"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    let hello = format!(r#"{{"AuthToken":"{token}","columns":200,"rows":50}}"#);
    ws.send(Message::Binary(hello.into_bytes().into()))
        .await
        .expect("hello");
    ws
}

/// Output bytes until the close frame.
async fn drain(ws: &mut Ws) -> usize {
    let mut n = 0;
    while let Some(Ok(msg)) = ws.next().await {
        match msg {
            Message::Binary(b) if b.first() == Some(&b'0') => n += b.len() - 1,
            Message::Close(_) => break,
            _ => {}
        }
    }
    n
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
    let script = format!("head -c {} /dev/zero | base64", size_mb * 1_000_000);
    let mut config = TerminalConfig {
        max_clients: 200,
        profiles: vec![
            profile("flood", &["sh", "-c", &script]),
            profile("cat", &["cat"]),
            profile("yes", &["yes"]),
            profile("each", &["sh", "-c", "head -c 2000000 /dev/zero | base64"]),
        ],
        ..TerminalConfig::default()
    };
    config.grace_seconds = 1;
    let (addr, terminals) = server(config).await;
    let token = terminals.token().to_owned();

    println!("## throughput: {script}");
    for run in 1..=3 {
        let (bare_n, bare_t) = bare_pty(&script).await;
        let start = Instant::now();
        let mut ws = connect(addr, "flood", &token).await;
        let ws_n = drain(&mut ws).await;
        let ws_t = start.elapsed();
        let bare = bare_n as f64 / MB / bare_t.as_secs_f64();
        let ours = ws_n as f64 / MB / ws_t.as_secs_f64();
        println!(
            "run {run}: bare pty {bare:.1} MB/s ({bare_n} B), websocket {ours:.1} MB/s ({ws_n} B), ratio {:.2}",
            ours / bare
        );
    }

    println!("## keystroke echo, 1000 keys to cat");
    let mut ws = connect(addr, "cat", &token).await;
    // Title and preferences first.
    for _ in 0..2 {
        let _ = ws.next().await;
    }
    let mut samples = Vec::with_capacity(1000);
    for i in 0..1000u32 {
        let key = b'a' + (i % 26) as u8;
        let start = Instant::now();
        ws.send(Message::Binary(vec![b'0', key].into()))
            .await
            .expect("send");
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) if b.first() == Some(&b'0') && b.contains(&key) => {
                    break;
                }
                Some(Ok(_)) => {}
                _ => panic!("connection ended"),
            }
        }
        samples.push(start.elapsed());
    }
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        p(0.5),
        p(0.99),
        p(1.0)
    );
    let _ = ws.close(None).await;

    println!("## slow reader, yes flooding, 10 s");
    let before = rss_kb();
    let mut ws = connect(addr, "yes", &token).await;
    let mut peak = before;
    let mut got = 0usize;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Some(Ok(Message::Binary(b))) = ws.next().await {
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
    let _ = ws.close(None).await;

    println!("## 100 concurrent sessions, 2 MB of zeros through base64 each");
    let before = rss_kb();
    let start = Instant::now();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kb(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let clients = (0..100).map(|_| {
        let token = token.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            let mut ws = connect(addr, "each", &token).await;
            let n = drain(&mut ws).await;
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
        peak.load(std::sync::atomic::Ordering::Relaxed)
    );
    terminals.shutdown().await;
}
