//! Runs the fake Ollama on a port, for Playwright and for trying the Brain by hand:
//! `cargo run -p workbench-llm --features testing --example fake-ollama -- --addr 127.0.0.1:11435`
//! then `ollama_url = "http://127.0.0.1:11435"`. Prints `listening on http://…` when ready.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use workbench_llm::{FakeConfig, FakeOllama};

#[derive(Debug, Parser)]
#[command(about = "A fake Ollama server that follows its documented API")]
struct Args {
    /// Where to listen; port 0 picks a free one (printed).
    #[arg(long, default_value = "127.0.0.1:11435")]
    addr: SocketAddr,
    /// Pause before each streamed token, so streaming is visible in a browser.
    #[arg(long, default_value_t = 25)]
    token_delay_ms: u64,
    /// The chat answer to stream instead of the canned one; `{{now_us}}` in it becomes the
    /// Unix time in microseconds when that token is written (for latency benchmarks).
    #[arg(long)]
    answer: Option<String>,
    /// Pause before answering each embedding batch, so an index run's progress is visible.
    #[arg(long, default_value_t = 0)]
    embed_delay_ms: u64,
    /// The size of the embedding vectors when a request names no `dimensions`.
    #[arg(long, default_value_t = 768, value_parser = clap::value_parser!(u32).range(1..=65536))]
    dims: u32,
    /// Require `Authorization: Bearer <key>` on the OpenAI-compatible `/v1` routes.
    #[arg(long, env = "FAKE_OLLAMA_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("fake-ollama: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fake-ollama: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::io::Result<()> {
    let fake = FakeOllama::start(FakeConfig {
        addr: args.addr,
        token_delay: Duration::from_millis(args.token_delay_ms),
        dims: args.dims as usize,
        api_key: args.api_key,
        ..FakeConfig::default()
    })
    .await
    .map_err(|err| {
        std::io::Error::new(err.kind(), format!("cannot listen on {}: {err}", args.addr))
    })?;
    fake.set_embed_delay(Duration::from_millis(args.embed_delay_ms));
    if let Some(answer) = args.answer {
        fake.set_answer(answer);
    }
    println!("listening on {}", fake.url());
    std::io::stdout().flush()?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    fake.stop().await;
    Ok(())
}
