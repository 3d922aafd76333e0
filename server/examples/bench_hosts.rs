//! Benchmark of the host checks (run by tools/bench-hosts.sh):
//!
//! 1. One refresh cycle of 50 hosts, half unreachable (13 black-holed: the connect times
//!    out; 12 refusing), against two baselines in the same run: the 25 reachable hosts
//!    alone, and one black-holed host alone. The goal: 50 hosts take about one connect
//!    timeout, like the single host, not 25 of them.
//! 2. The `workbench` binary serving those hosts: its CPU time, memory, and the
//!    connections the hosts receive, for 30 s with no page open and then 30 s with 100
//!    open Homelab pages (each loads /homelab, then polls /api/hosts every 5 s like the UI).
//!
//! Usage: bench_hosts [PATH/TO/workbench] [SITE_ROOT]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::serve::ListenerExt;
use server::homelab::{self, hosts::HostMonitor};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use workbench_config::HostConfig;

const PAGES: usize = 100;
const PHASE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_secs(5);

/// Connections and /health requests the reachable hosts received.
#[derive(Default)]
struct HostHits {
    connections: AtomicUsize,
}

struct Fixture {
    hosts: Vec<HostConfig>,
    hits: Arc<HostHits>,
    /// Keep the black holes' queues full.
    _held: Vec<TcpStream>,
    _black_holes: Vec<TcpListener>,
}

fn host(i: usize, port: u16, health: bool) -> HostConfig {
    HostConfig {
        name: format!("host-{i}"),
        alias: format!("Host {i}"),
        role: String::new(),
        address: "127.0.0.1".into(),
        docker: None,
        tcp_ports: vec![port],
        health_urls: if health {
            vec![format!("http://127.0.0.1:{port}/health")]
        } else {
            vec![]
        },
        interval_secs: 10,
        links: vec![],
    }
}

/// A listener that never accepts, with its accept queue full: further SYNs are dropped,
/// so a connect waits for its timeout, as with a host that is off or firewalled.
async fn black_hole(held: &mut Vec<TcpStream>) -> anyhow::Result<(TcpListener, u16)> {
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse()?)?;
    let listener = socket.listen(0)?;
    let port = listener.local_addr()?.port();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        {
            Ok(Ok(stream)) => held.push(stream),
            _ => return Ok((listener, port)),
        }
    }
    anyhow::bail!("could not fill the accept queue of port {port}")
}

async fn fixture() -> anyhow::Result<Fixture> {
    let hits = Arc::new(HostHits::default());
    let mut hosts = Vec::new();
    for i in 0..25 {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let counter = hits.clone();
        let listener = listener.tap_io(move |_| {
            counter.connections.fetch_add(1, Ordering::Relaxed);
        });
        let router = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, router).await });
        hosts.push(host(i, port, true));
    }
    let (mut held, mut black_holes) = (Vec::new(), Vec::new());
    for i in 25..38 {
        let (listener, port) = black_hole(&mut held).await?;
        black_holes.push(listener);
        hosts.push(host(i, port, false));
    }
    for i in 38..50 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        hosts.push(host(i, port, false));
    }
    Ok(Fixture {
        hosts,
        hits,
        _held: held,
        _black_holes: black_holes,
    })
}

async fn cycle(hosts: &[HostConfig]) -> anyhow::Result<Duration> {
    let monitor = HostMonitor::new(
        hosts.to_vec(),
        homelab::http_client()?,
        homelab::CONNECT_TIMEOUT,
    );
    Ok(monitor.refresh_all().await)
}

/// utime + stime of `pid`, in seconds.
fn cpu_secs(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').context("stat format")?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    let hz: f64 = String::from_utf8(
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()?
            .stdout,
    )?
    .trim()
    .parse()?;
    Ok(ticks / hz)
}

fn rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("VmRSS")?
        .parse()?;
    Ok(kib / 1024.0)
}

fn toml_config(hosts: &[HostConfig]) -> String {
    let mut out = String::new();
    for h in hosts {
        out.push_str(&format!(
            "[[hosts]]\nname = {:?}\nalias = {:?}\naddress = {:?}\ntcp_ports = {:?}\nhealth_urls = {:?}\ninterval_secs = {}\n\n",
            h.name, h.alias, h.address, h.tcp_ports, h.health_urls, h.interval_secs
        ));
    }
    out
}

struct Phase {
    cpu: f64,
    host_connections: usize,
    requests: usize,
    latencies: Vec<Duration>,
}

async fn phase(pid: u32, hits: &HostHits, addr: SocketAddr, pages: usize) -> anyhow::Result<Phase> {
    let cpu0 = cpu_secs(pid)?;
    let conn0 = hits.connections.load(Ordering::Relaxed);
    let deadline = Instant::now() + PHASE;
    let mut tasks = Vec::new();
    for page in 0..pages {
        tasks.push(tokio::spawn(async move {
            // One client per page: a browser tab keeps its own connection.
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            let html = client
                .get(format!("http://{addr}/homelab"))
                .header("accept", "text/html")
                .send()
                .await;
            if let Ok(r) = html {
                let _ = r.bytes().await;
            }
            // Pages opened at different moments poll at different moments.
            tokio::time::sleep(POLL.mul_f64(page as f64 / pages as f64)).await;
            while Instant::now() < deadline {
                let started = Instant::now();
                if let Ok(r) = client.get(format!("http://{addr}/api/hosts")).send().await
                    && r.status().is_success()
                    && r.bytes().await.is_ok()
                {
                    latencies.push(started.elapsed());
                }
                tokio::time::sleep(POLL).await;
            }
            latencies
        }));
    }
    tokio::time::sleep_until(deadline.into()).await;
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await?);
    }
    latencies.sort();
    Ok(Phase {
        cpu: cpu_secs(pid)? - cpu0,
        host_connections: hits.connections.load(Ordering::Relaxed) - conn0,
        requests: latencies.len(),
        latencies,
    })
}

fn pct(sorted: &[Duration], p: f64) -> String {
    if sorted.is_empty() {
        return "–".into();
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    format!("{:.1} ms", sorted[i].as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .unwrap_or_else(|| "target/release/workbench".into());
    let site_root = args.next().unwrap_or_else(|| "target/site".into());
    let fx = fixture().await?;

    println!(
        "## One refresh cycle (connect timeout {:?})",
        homelab::CONNECT_TIMEOUT
    );
    println!("| hosts | cycle |");
    println!("| --- | --- |");
    let up_only = cycle(&fx.hosts[..25]).await?;
    println!(
        "| 25 reachable (baseline) | {:.3} s |",
        up_only.as_secs_f64()
    );
    let one_hole = cycle(&fx.hosts[25..26]).await?;
    println!(
        "| 1 black-holed (baseline) | {:.3} s |",
        one_hole.as_secs_f64()
    );
    for run in 1..=3 {
        let all = cycle(&fx.hosts).await?;
        println!(
            "| 50: 25 reachable, 13 black-holed, 12 refusing (run {run}) | {:.3} s |",
            all.as_secs_f64()
        );
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("workbench.toml");
    std::fs::write(&config, toml_config(&fx.hosts))?;
    let mut child = tokio::process::Command::new(&binary)
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env("WORKBENCH_SERVER__ADDR", addr.to_string())
        .env("WORKBENCH_SERVER__SITE_ROOT", &site_root)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {binary}"))?;
    let pid = child.id().context("server pid")?;
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err()
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the first cycle (with its 3 s timeouts) finish.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let idle = phase(pid, &fx.hits, addr, 0).await?;
    let rss_idle = rss_mib(pid)?;
    let busy = phase(pid, &fx.hits, addr, PAGES).await?;
    let rss_busy = rss_mib(pid)?;
    child.kill().await?;

    println!();
    println!(
        "## The server over {} s (50 hosts, interval 10 s)",
        PHASE.as_secs()
    );
    println!(
        "| open Homelab pages | server CPU | CPU share of one core | RSS | connections to the 25 reachable hosts | /api/hosts requests | p50 | p99 | max |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (pages, p, rss) in [(0, &idle, rss_idle), (PAGES, &busy, rss_busy)] {
        println!(
            "| {pages} | {:.2} s | {:.2} % | {rss:.1} MiB | {} | {} | {} | {} | {} |",
            p.cpu,
            100.0 * p.cpu / PHASE.as_secs_f64(),
            p.host_connections,
            p.requests,
            pct(&p.latencies, 0.5),
            pct(&p.latencies, 0.99),
            pct(&p.latencies, 1.0),
        );
    }
    Ok(())
}
