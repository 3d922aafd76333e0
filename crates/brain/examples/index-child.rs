//! Runs one index of a folder of notes into a store, for the crash-safety test (which kills
//! it with SIGKILL at random points) and by hand:
//! `cargo run -p workbench-brain --example index-child -- STORE CORPUS [DELAY_MS_PER_BATCH]`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use workbench_brain::{Brain, BrainOptions};
use workbench_llm::{BoxFuture, Embedder, HashEmbedder, LlmError};

/// HashEmbedder, optionally slowed per batch so a kill lands mid-run.
struct Slowed {
    inner: HashEmbedder,
    delay: Duration,
}

impl Embedder for Slowed {
    fn model(&self) -> &str {
        self.inner.model()
    }

    fn embed<'a>(&'a self, inputs: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.embed(inputs).await
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: index-child STORE CORPUS [DELAY_MS_PER_BATCH]";
    let store = PathBuf::from(args.next().ok_or(usage)?);
    let corpus = PathBuf::from(args.next().ok_or(usage)?);
    let delay: u64 = match args.next() {
        Some(d) => d
            .parse()
            .map_err(|_| format!("not a number of ms: {d}; {usage}"))?,
        None => 0,
    };
    let embedder = Arc::new(Slowed {
        inner: HashEmbedder::new("hash-test", 64),
        delay: Duration::from_millis(delay),
    });
    let brain = Brain::open(
        BrainOptions {
            store_path: store,
            note_dirs: vec![corpus],
            batch_max_chars: 32_000,
            batch_max_inputs: 16,
            request_timeout: Duration::from_secs(30),
            retries: 2,
            query_timeout: Duration::from_secs(5),
        },
        Some(embedder),
    )
    .map_err(|e| e.to_string())?;
    let report = brain.index(false).await.map_err(|e| e.to_string())?;
    println!(
        "chunks={} embedded={} failed={}",
        report.chunks_total, report.embedded, report.failed_batches
    );
    Ok(())
}
