//! The Brain in the server: the index (crates/brain), the model server (crates/llm), the
//! conversations, and the routes, CLI commands and background indexing that use them.

pub mod answer;
pub mod api;
pub mod cli;
pub mod conversations;
pub mod notes;
pub mod prompt;

use std::sync::Arc;
use std::time::Duration;

use workbench_brain::{Brain, BrainOptions, VectorFormat};
use workbench_config::{BrainConfig, Config};
use workbench_llm::{ChatModel, Embedder, Ollama, OllamaOptions};

pub use conversations::Conversations;

/// Everything the Brain routes need, built once at start-up.
#[derive(Clone)]
pub struct BrainService {
    pub index: Arc<Brain>,
    /// None: no model server configured; answers come from retrieval alone.
    pub chat: Option<Arc<dyn ChatModel>>,
    pub conversations: Conversations,
    pub config: Arc<BrainConfig>,
}

impl BrainService {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let (chat, embedder) = model_clients(&config.brain)?;
        let format = match config.brain.vector_format {
            workbench_config::VectorFormat::F16 => VectorFormat::F16,
            workbench_config::VectorFormat::F32 => VectorFormat::F32,
        };
        let index = Brain::open_with_format(options(config), embedder, format)?;
        let conversations = Conversations::open(&config.server.store_path())?;
        Ok(Self {
            index,
            chat,
            conversations,
            config: Arc::new(config.brain.clone()),
        })
    }

    /// A service over explicit parts, for tests.
    pub fn from_parts(
        index: Arc<Brain>,
        chat: Option<Arc<dyn ChatModel>>,
        conversations: Conversations,
        config: BrainConfig,
    ) -> Self {
        Self {
            index,
            chat,
            conversations,
            config: Arc::new(config),
        }
    }

    /// The model a user asked with: their request, else their remembered choice, else the
    /// configured default.
    pub async fn model_for(&self, owner: &str, asked: Option<&str>) -> String {
        if let Some(m) = asked.filter(|m| !m.is_empty()) {
            return m.to_string();
        }
        match self.conversations.model(owner).await {
            Ok(Some(m)) => m,
            _ => self.config.chat_model.clone(),
        }
    }
}

pub fn options(config: &Config) -> BrainOptions {
    let b = &config.brain;
    BrainOptions {
        store_path: config.server.store_path(),
        note_dirs: b.dirs.clone(),
        batch_max_chars: b.batch_max_chars,
        batch_max_inputs: b.batch_max_inputs,
        request_timeout: Duration::from_secs(b.request_timeout_secs),
        retries: b.retries,
        query_timeout: Duration::from_secs(b.request_timeout_secs.min(5)),
    }
}

type Clients = (Option<Arc<dyn ChatModel>>, Option<Arc<dyn Embedder>>);

/// The model server's clients, when one is configured.
fn model_clients(config: &BrainConfig) -> anyhow::Result<Clients> {
    let Some(url) = config.parsed_ollama_url() else {
        return Ok((None, None));
    };
    let timeout = Duration::from_secs(config.request_timeout_secs);
    let ollama = Ollama::new(
        url.as_str(),
        OllamaOptions {
            request_timeout: timeout,
            stall_timeout: timeout,
            embed_model: config.embed_model.clone(),
            embed_dimensions: Some(config.embed_dimensions).filter(|d| *d > 0),
            ..OllamaOptions::default()
        },
    )?;
    tracing::info!(url = ollama.url(), "brain: model server configured");
    let ollama = Arc::new(ollama);
    Ok((Some(ollama.clone()), Some(ollama)))
}

/// Indexes at start-up and again whenever the Resources library changes or, for notes
/// folders, every few minutes (the job skips what has not changed).
pub fn spawn_auto_index(service: &BrainService, content: Arc<workbench_content::Content>) {
    if !service.config.auto_index {
        return;
    }
    let index = service.index.clone();
    let rescan_notes = !service.config.dirs.is_empty();
    tokio::spawn(async move {
        let mut seen = None;
        let mut since_rescan = Duration::ZERO;
        const TICK: Duration = Duration::from_secs(2);
        const NOTES_EVERY: Duration = Duration::from_secs(600);
        loop {
            let generation = content.generation();
            let due = seen != Some(generation) || (rescan_notes && since_rescan >= NOTES_EVERY);
            if due {
                match index.start_index(false) {
                    Ok(()) => {
                        seen = Some(generation);
                        since_rescan = Duration::ZERO;
                    }
                    Err(workbench_brain::BrainError::AlreadyRunning) => {}
                    Err(err) => {
                        tracing::warn!(error = %err, "brain: could not start indexing");
                        seen = Some(generation);
                    }
                }
            }
            tokio::time::sleep(TICK).await;
            since_rescan += TICK;
        }
    });
}
