//! `workbench brain index` and `workbench brain ask`: the same index job and answers as the
//! web page, from a terminal.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use workbench_brain_api::ChatEvent;
use workbench_config::Config;

use super::BrainService;
use super::answer::{self, Ask};

/// The owner of conversations started here: the same as a local-mode browser's, so they show
/// up in the page too.
const CLI_OWNER: &str = "local";

fn prepare(config_path: Option<&Path>) -> anyhow::Result<(Config, tokio::runtime::Runtime)> {
    let config = Config::load(config_path)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    Ok((config, runtime))
}

/// Loads the Resources library into the store (as the server does), then opens the Brain.
fn open(config: &Config) -> anyhow::Result<BrainService> {
    let store = workbench_content::Store::open(&config.server.store_path())?;
    workbench_content::Content::open(config.content.roots(), store)?;
    BrainService::open(config)
}

/// Returns whether the run finished with no failed batches.
pub fn run_index(config_path: Option<&Path>, rebuild: bool) -> anyhow::Result<bool> {
    let (config, runtime) = prepare(config_path)?;
    runtime.block_on(async move {
        let service = open(&config)?;
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:24} [{bar:30}] {pos}/{len} chunks  {per_sec}  ETA {eta}",
            )
            .context("the progress bar's template")?
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let mut progress = service.index.progress();
        let watch_bar = bar.clone();
        let watcher = tokio::spawn(async move {
            while progress.changed().await.is_ok() {
                let p = progress.borrow_and_update().clone();
                watch_bar.set_length(p.total as u64);
                watch_bar.set_position(p.done as u64);
                watch_bar.set_message(format!("{:?}", p.phase).to_lowercase());
            }
        });
        let report = service.index.index(rebuild).await;
        watcher.abort();
        bar.finish_and_clear();
        let report = report?;
        println!(
            "indexed: {} chunks ({} new, {} removed), {} embedded, {} failed batches",
            report.chunks_total,
            report.chunks_added,
            report.chunks_removed,
            report.embedded,
            report.failed_batches
        );
        if report.failed_batches > 0 {
            eprintln!(
                "workbench: {} batches failed and are recorded; run `workbench brain index` again to retry them",
                report.failed_batches
            );
        }
        if service.chat.is_none() {
            eprintln!(
                "workbench: no model server configured (brain.ollama_url): keyword search only, no vectors"
            );
        }
        Ok(report.failed_batches == 0)
    })
}

/// Prints the answer as it streams, then its sources. Returns whether it completed.
pub fn run_ask(
    config_path: Option<&Path>,
    question: &str,
    model: Option<&str>,
) -> anyhow::Result<bool> {
    let question = question.trim();
    anyhow::ensure!(
        !question.is_empty(),
        "the question is empty; ask something, e.g. workbench brain ask \"how do I restart nginx?\""
    );
    anyhow::ensure!(
        question.len() <= workbench_brain_api::MAX_QUESTION_BYTES,
        "the question is longer than {} KB; shorten it",
        workbench_brain_api::MAX_QUESTION_BYTES / 1024
    );
    if let Some(m) = model {
        anyhow::ensure!(
            super::api::valid_model(m),
            "--model {m:?} is not a model name (letters, digits and ._-:/)"
        );
    }
    let (config, runtime) = prepare(config_path)?;
    runtime.block_on(async move {
        let service = open(&config)?;
        let model = service.model_for(CLI_OWNER, model).await;
        let ask = Ask {
            owner: CLI_OWNER.into(),
            conversation_id: None,
            question: question.to_string(),
            model,
        };
        let mut events = Box::pin(answer::ask(&service, ask).await?);
        let mut citations = Vec::new();
        let mut ok = false;
        let mut out = std::io::stdout();
        while let Some(event) = events.next().await {
            match event {
                ChatEvent::Sources { citations: c, .. } => citations = c,
                ChatEvent::Notice { message } => eprintln!("note: {message}\n"),
                ChatEvent::Token { text, .. } => {
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                }
                ChatEvent::Done { .. } => ok = true,
                ChatEvent::Error { message, .. } => eprintln!("\nworkbench: {message}"),
                ChatEvent::Start { .. } => {}
            }
        }
        if !citations.is_empty() {
            println!("\n\nSources:");
            for c in &citations {
                let place = if c.heading.is_empty() {
                    c.title.clone()
                } else {
                    format!("{} › {}", c.title, c.heading)
                };
                println!("  [{}] {place}  {}", c.n, c.url);
            }
        }
        Ok(ok)
    })
}
