//! Terminal benchmarks (issue 3), each against a baseline taken in the same run:
//!
//! * throughput of `head -c N /dev/zero | base64` through our WebSocket vs a bare PTY, and
//!   what permessage-deflate would add: the same frames compressed as a server would
//!   (raw deflate, context takeover, sync flush per message) and inflated as a browser would,
//!   timed in the same run, for this stream and for incompressible base64 of random bytes;
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
use workbench_config::{TerminalConfig, TerminalProfile};
use workbench_terminal::Terminals;
use workbench_terminal::testing::{Client, TestServer, Ws};

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

async fn connect(addr: std::net::SocketAddr, profile: &str, token: &str) -> Ws {
    let mut c = Client::connect(addr, &format!("/terminal/{profile}/ws")).await;
    c.hello(token, (200, 50)).await;
    c.ws
}

/// Output bytes until the close frame; with `keep`, the frames too (as sent, with their
/// `'0'` command byte), for the deflate estimate.
async fn drain(ws: &mut Ws, mut keep: Option<&mut Vec<Vec<u8>>>) -> usize {
    let mut n = 0;
    while let Some(Ok(msg)) = ws.next().await {
        match msg {
            Message::Binary(b) if b.first() == Some(&b'0') => {
                n += b.len() - 1;
                if let Some(frames) = keep.as_deref_mut() {
                    frames.push(b.to_vec());
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    n
}

/// permessage-deflate (RFC 7692) on `frames`: one raw-deflate stream for the connection
/// (context takeover, as browsers offer it), each message ended with a sync flush. Returns
/// (compressed bytes, time to compress, time to inflate).
fn deflate_cost(frames: &[Vec<u8>], level: u32) -> (usize, Duration, Duration) {
    use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
    let mut z = Compress::new(Compression::new(level), false);
    let mut out = Vec::new();
    let mut messages = Vec::with_capacity(frames.len());
    let start = Instant::now();
    for f in frames {
        out.clear();
        out.reserve(f.len() + 64);
        let mut input = &f[..];
        loop {
            let before = z.total_in();
            z.compress_vec(input, &mut out, FlushCompress::Sync)
                .expect("deflate");
            input = &input[(z.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
        messages.push(out.clone());
    }
    let compress = start.elapsed();
    let size = messages.iter().map(Vec::len).sum();
    let mut d = Decompress::new(false);
    let mut plain = Vec::with_capacity(70 * 1024);
    let start = Instant::now();
    for m in &messages {
        let mut input = &m[..];
        loop {
            plain.clear();
            let before = d.total_in();
            d.decompress_vec(input, &mut plain, FlushDecompress::Sync)
                .expect("inflate");
            input = &input[(d.total_in() - before) as usize..];
            if input.is_empty() {
                break;
            }
        }
    }
    (size, compress, start.elapsed())
}

/// Frames of the same sizes holding base64 of pseudo-random bytes: what deflate cannot shrink
/// much (compiler output, logs and TUIs sit between this and zeros).
fn random_like(frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    frames
        .iter()
        .map(|f| {
            let raw: Vec<u8> = (0..f.len() * 3 / 4)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let mut out = vec![b'0'];
            out.extend(
                base64::engine::general_purpose::STANDARD
                    .encode(raw)
                    .bytes(),
            );
            out.truncate(f.len());
            out
        })
        .collect()
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
        let mut frames = Vec::new();
        let ws_n = drain(&mut ws, Some(&mut frames)).await;
        let ws_t = start.elapsed();
        let bare = bare_n as f64 / MB / bare_t.as_secs_f64();
        let ours = ws_n as f64 / MB / ws_t.as_secs_f64();
        println!(
            "run {run}: bare pty {bare:.1} MB/s ({bare_n} B), websocket {ours:.1} MB/s ({ws_n} B, {} frames), ratio {:.2}",
            frames.len(),
            ours / bare
        );
        // Deflate runs on the same two cores as the PTY and the socket: added serially, the
        // sending side's time becomes ws_t + compress and the receiving side adds inflate.
        let random = random_like(&frames);
        for (what, stream) in [("this stream", &frames), ("random base64", &random)] {
            for level in [1, 6] {
                let (size, c, d) = deflate_cost(stream, level);
                let plain: usize = stream.iter().map(Vec::len).sum();
                let with = ws_n as f64 / MB / (ws_t + c + d).as_secs_f64();
                println!(
                    "  deflate level {level}, {what}: {:.1}x smaller, compress {:.0} MB/s, inflate {:.0} MB/s; \
                     websocket + deflate {with:.1} MB/s, ratio {:.2}",
                    plain as f64 / size.max(1) as f64,
                    plain as f64 / MB / c.as_secs_f64(),
                    plain as f64 / MB / d.as_secs_f64(),
                    with / bare
                );
            }
        }
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
            let n = drain(&mut ws, None).await;
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
