//! How long a token takes from leaving the model server to being yielded by `ChatStream`,
//! against a raw TCP read of the same bytes as the baseline, in the same run:
//! `cargo run --release -p workbench-llm --features testing --example bench-stream [-- TOKENS DELAY_MS ROUNDS]`.
//! The fake notes the instant it hands each token line to its HTTP server; the client side
//! notes when the token comes out. Both sides share the process's clock.

use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workbench_llm::{
    ChatEvent, ChatMessage, ChatModel, ChatRequest, FakeConfig, FakeHandle, FakeOllama, Ollama,
    OllamaOptions, Role,
};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let tokens: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let delay_ms: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let answer: String = (0..tokens).map(|i| format!(" tok{i}")).collect();
    let fake = FakeOllama::start(FakeConfig {
        answer,
        token_delay: Duration::from_millis(delay_ms),
        ..FakeConfig::default()
    })
    .await?;
    fake.record_send_times(true);
    let client = Ollama::new(&fake.url(), OllamaOptions::default())?;

    // Warm both paths (connection pool, allocator) before measuring.
    client_run(&fake, &client).await?;
    raw_run(&fake).await?;

    let mut client_lat = Vec::new();
    let mut raw_lat = Vec::new();
    // Alternating rounds, so both paths see the same load on a shared machine.
    for _ in 0..rounds {
        client_lat.extend(client_run(&fake, &client).await?);
        raw_lat.extend(raw_run(&fake).await?);
    }
    println!("{tokens} tokens per run, {rounds} runs each, {delay_ms} ms between tokens");
    report("raw TCP read (baseline)", &mut raw_lat);
    report("Ollama client ChatStream", &mut client_lat);
    let overhead = |q: f64| percentile(&client_lat, q).saturating_sub(percentile(&raw_lat, q));
    println!(
        "client overhead over baseline: p50 {:.1} µs, p99 {:.1} µs",
        micros(overhead(0.50)),
        micros(overhead(0.99))
    );
    fake.stop().await;
    Ok(())
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "llama3.2:3b".into(),
        messages: vec![ChatMessage {
            role: Role::User,
            content: "count".into(),
        }],
    }
}

async fn client_run(fake: &FakeHandle, client: &Ollama) -> Result<Vec<Duration>, Failure> {
    fake.take_send_times();
    let mut received = Vec::new();
    let mut stream = client.chat(request()).await?;
    while let Some(event) = stream.next().await {
        match event? {
            ChatEvent::Token(_) => received.push(Instant::now()),
            ChatEvent::Done(_) => break,
        }
    }
    pair(fake.take_send_times(), received)
}

/// The same request over a bare socket: a token counts as received when the read holding
/// its line's final `}\n` returns.
async fn raw_run(fake: &FakeHandle) -> Result<Vec<Duration>, Failure> {
    fake.take_send_times();
    let mut socket = tokio::net::TcpStream::connect(fake.addr()).await?;
    socket.set_nodelay(true)?;
    let body = serde_json::json!({
        "model": "llama3.2:3b",
        "messages": [{"role": "user", "content": "count"}],
    })
    .to_string();
    let head = format!(
        "POST /api/chat HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut received = Vec::new();
    let mut last = 0u8;
    loop {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let now = Instant::now();
        let mut prev = last;
        for &b in &buf[..n] {
            if prev == b'}' && b == b'\n' {
                received.push(now);
            }
            prev = b;
        }
        last = prev;
    }
    // The last line is `done`, not a token.
    received.pop();
    pair(fake.take_send_times(), received)
}

fn pair(sent: Vec<Instant>, received: Vec<Instant>) -> Result<Vec<Duration>, Failure> {
    if sent.len() != received.len() {
        return Err(format!("{} tokens sent, {} received", sent.len(), received.len()).into());
    }
    Ok(sent
        .into_iter()
        .zip(received)
        .map(|(s, r)| r.saturating_duration_since(s))
        .collect())
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(name: &str, lat: &mut [Duration]) {
    lat.sort_unstable();
    println!(
        "{name:<28} p50 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs  (n = {})",
        micros(percentile(lat, 0.50)),
        micros(percentile(lat, 0.99)),
        micros(percentile(lat, 1.0)),
        lat.len()
    );
}
