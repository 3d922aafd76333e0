//! Terminal benchmarks (issue 3), each against a baseline taken in the same run:
//!
//! * throughput through our WebSocket vs a bare PTY running the same command, with a client
//!   that offers no extension (tokio-tungstenite: uncompressed) and one that offers
//!   permessage-deflate as Chromium does (yawc: the server compresses at level 1), on the
//!   issue's stream `head -c N /dev/zero | base64` and on base64 of /dev/urandom, which
//!   deflate cannot shrink much;
//! * keystroke echo round trip over 1,000 keys (`cat` on a PTY echoes each key), both clients;
//! * memory while a slow client reads a flooding `yes` (back-pressure must bound it);
//! * 100 concurrent sessions each printing, both clients;
//! * deflate alone (yawc over an in-memory pipe, one core): compress and inflate speed at
//!   levels 1 and 6 for messages of 4 KiB and 64 KiB, base64 of zeros and of random bytes,
//!   the measure behind the server's choice of level 1.
//!
//! Run: `tools/bench-terminal.sh` (= `cargo run --release -p workbench-terminal --example bench`).
//! `BENCH_MB` sets the throughput streams' size (default 50 MB before base64), `BENCH_RUNS`
//! the throughput runs (3), `BENCH_ONLY` a comma list of sections (throughput, echo, yes,
//! sessions, levels).
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

/// Threads of the server's own runtime are named so, to tell its CPU time from the clients'.
const SERVER_THREADS: &str = "wb-server";

/// The server on a runtime of its own (two workers, as the machine has two cores), so its
/// CPU time can be told from the clients'.
async fn server(
    config: TerminalConfig,
) -> (std::net::SocketAddr, Terminals, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = runtime
        .spawn(TestServer::start(config))
        .await
        .expect("server started");
    (server.addr, server.terminals, runtime)
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

/// utime + stime from a `stat` line, in seconds.
fn stat_seconds(stat: &str) -> f64 {
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    // Fields 14 and 15 of the line, in clock ticks (100 per second).
    let ticks: u64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    ticks as f64 / 100.0
}

/// CPU seconds used so far by the server's threads, and by the whole process (server and
/// clients; the PTY's programs are other processes).
fn cpu_seconds() -> (f64, f64) {
    let process = stat_seconds(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default());
    let mut server = 0.0;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with(SERVER_THREADS) {
            server += stat_seconds(
                &std::fs::read_to_string(task.path().join("stat")).unwrap_or_default(),
            );
        }
    }
    (server, process)
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Plain => "uncompressed",
        Kind::Deflate => "permessage-deflate",
    }
}

/// An OUTPUT message of `size` bytes: base64 lines of zeros as `base64` prints them to a
/// terminal, or base64 of pseudo-random bytes.
fn output_message(what: &str, size: usize, seed: u64) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut m = vec![b'0'];
    let mut x = 0x9e37_79b9_7f4a_7c15_u64 ^ seed;
    while m.len() < size {
        if m.len() % 78 == 77 {
            m.extend_from_slice(b"\r\n");
        } else if what == "zeros" {
            m.push(b'A');
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            m.push(ALPHABET[(x % 64) as usize]);
        }
    }
    m.truncate(size);
    m
}

/// 41 MB of OUTPUT messages through a yawc server socket with deflate at `level` (into a
/// pipe read by a task that keeps the bytes), then inflated by a yawc client: each side's
/// speed on one core, without PTYs or the network.
async fn deflate_alone(what: &str, size: usize, level: u32) {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::AsyncWriteExt;
    let n = 41_000_000 / size;
    let messages: Vec<Vec<u8>> = (0..64).map(|i| output_message(what, size, i)).collect();
    let options = |level| {
        yawc::Options::default()
            .with_compression_level(yawc::CompressionLevel::new(level))
            .with_limits(1 << 20, 1 << 21)
    };
    let (io, mut far) = tokio::io::duplex(1 << 20);
    let mut server = yawc::WebSocket::from_stream_with_extensions(
        io,
        yawc::Role::Server,
        Some("permessage-deflate"),
        options(level),
    )
    .expect("server socket");
    let keep = tokio::spawn(async move {
        let mut wire = Vec::new();
        let _ = far.read_to_end(&mut wire).await;
        wire
    });
    let start = Instant::now();
    for i in 0..n {
        let message = messages[i % messages.len()].clone();
        server
            .send(yawc::Frame::binary(message))
            .await
            .expect("send");
    }
    let compress = start.elapsed();
    drop(server);
    let wire = keep.await.expect("wire");
    let wire_len = wire.len();
    let (io, mut near) = tokio::io::duplex(1 << 20);
    let feed = tokio::spawn(async move {
        let _ = near.write_all(&wire).await;
        // Keeps the pipe open: the client stops after n messages.
        near
    });
    let mut client = yawc::WebSocket::from_stream_with_extensions(
        io,
        yawc::Role::Client,
        Some("permessage-deflate"),
        options(1),
    )
    .expect("client socket");
    let start = Instant::now();
    let mut got = 0;
    for _ in 0..n {
        got += client.next().await.expect("message").payload().len();
    }
    let inflate = start.elapsed();
    drop(feed);
    let total = (n * size) as f64;
    assert_eq!(got, n * size);
    println!(
        "{what}, {size} B messages, level {level}: {:.1}x smaller; compress {:.0} MB/s \
         ({:.1} us a message), inflate {:.0} MB/s ({:.1} us a message)",
        total / wire_len as f64,
        total / MB / compress.as_secs_f64(),
        compress.as_secs_f64() * 1e6 / n as f64,
        total / MB / inflate.as_secs_f64(),
        inflate.as_secs_f64() * 1e6 / n as f64
    );
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
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |section: &str| only.is_empty() || only.split(',').any(|s| s.trim() == section);
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
    let (addr, terminals, server_runtime) = server(config).await;
    let token = terminals.token().to_owned();

    let streams = [("zeros", &zeros), ("random", &random)];
    for (name, script) in streams.into_iter().filter(|_| wanted("throughput")) {
        println!("## throughput: {script}");
        for run in 1..=runs {
            let (bare_n, bare_t) = bare_pty(script).await;
            let bare = bare_n as f64 / MB / bare_t.as_secs_f64();
            println!("run {run}: bare pty {bare:.1} MB/s ({bare_n} B)");
            for kind in [Kind::Plain, Kind::Deflate] {
                let cpu = cpu_seconds();
                let start = Instant::now();
                let mut c = connect(kind, addr, name, &token).await;
                let (n, messages) = drain(&mut c).await;
                let t = start.elapsed();
                let (server_cpu, all_cpu) = cpu_seconds();
                let (server_cpu, client_cpu) =
                    (server_cpu - cpu.0, all_cpu - cpu.1 - (server_cpu - cpu.0));
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
                    "  websocket, {}: {ours:.1} MB/s ({n} B in {messages} messages{wire}; \
                     CPU s: server {server_cpu:.2}, client {client_cpu:.2}), ratio {:.2}",
                    label(kind),
                    ours / bare
                );
            }
        }
    }

    for kind in [Kind::Plain, Kind::Deflate]
        .into_iter()
        .filter(|_| wanted("echo"))
    {
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

    for kind in [Kind::Plain, Kind::Deflate]
        .into_iter()
        .filter(|_| wanted("yes"))
    {
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

    for kind in [Kind::Plain, Kind::Deflate]
        .into_iter()
        .filter(|_| wanted("sessions"))
    {
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
    if wanted("levels") {
        println!("## deflate alone, yawc over an in-memory pipe");
        for (what, size, level) in [
            ("zeros", 4096, 1),
            ("zeros", 4096, 6),
            ("zeros", 65536, 1),
            ("zeros", 65536, 6),
            ("random", 4096, 1),
            ("random", 4096, 6),
            ("random", 65536, 1),
            ("random", 65536, 6),
        ] {
            deflate_alone(what, size, level).await;
        }
    }

    server_runtime
        .spawn(async move { terminals.shutdown().await })
        .await
        .expect("shutdown");
    server_runtime.shutdown_background();
}
