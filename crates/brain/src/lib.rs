//! The Brain's index and retrieval. CONTRACT SKELETON: the types and signatures below are
//! what the server codes against (see docs/brain.md); the bodies are being built.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use workbench_llm::Embedder;

/// How the Brain is set up; the server fills it from `[brain]` and `server.data_dir`.
#[derive(Debug, Clone)]
pub struct BrainOptions {
    /// The shared store (`<data_dir>/workbench.sqlite3`); the Resources library's documents
    /// are read from its `documents` table (source `resources`).
    pub store_path: PathBuf,
    /// Folders of Markdown notes, indexed as sources `notes:0`, `notes:1`, … in this order.
    pub note_dirs: Vec<PathBuf>,
    pub batch_max_chars: usize,
    pub batch_max_inputs: usize,
    /// Bound on one embedding request.
    pub request_timeout: Duration,
    /// Retries of a failing batch within one run, with backoff.
    pub retries: u32,
    /// Bound on embedding the question at query time; past it, retrieval is keyword-only.
    pub query_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum BrainError {
    #[error("an index run is already going; wait for it or watch its progress")]
    AlreadyRunning,
    #[error("no embedding model is configured: set brain.ollama_url to build vectors")]
    NoEmbedder,
    #[error("the Brain's store failed: {0}")]
    Store(String),
    #[error("the Brain is not built yet")]
    NotBuilt,
}

/// One passage retrieved for a question, with what a citation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub chunk_id: i64,
    /// `resources` or `notes:N`.
    pub source: String,
    /// The document's title.
    pub title: String,
    /// The heading path inside the document, e.g. `Volumes › Bind mounts` (empty at the top).
    pub heading: String,
    /// Where the citation links: the page and the heading's anchor, e.g.
    /// `/resources/docker-compose/volumes#bind-mounts`; for notes
    /// `/workbench/brain/notes/N/<relative path>#anchor`.
    pub url: String,
    /// The chunk's text (Markdown).
    pub text: String,
    /// Fused score, higher is better.
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RetrievalMode {
    /// BM25 and vector similarity, fused.
    Hybrid,
    /// BM25 alone, and why (no embeddings yet, model server down, …).
    KeywordOnly { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retrieval {
    pub passages: Vec<Passage>,
    pub mode: RetrievalMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Phase {
    #[default]
    Idle,
    Scanning,
    Embedding,
    Pruning,
    Done,
    Failed,
}

/// The running (or last) index job, published on a watch channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub running: bool,
    pub phase: Phase,
    /// Chunks embedded so far in this run, of `total` that need it.
    pub done: usize,
    pub total: usize,
    /// Chunks per second over the run so far.
    pub rate: f64,
    pub eta_secs: Option<f64>,
    /// Batches that failed in this run (recorded; retried by the next run).
    pub failed_batches: usize,
    /// A line for people: what is happening or what went wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub name: String,
    pub documents: usize,
    pub chunks: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationInfo {
    pub id: i64,
    pub model: String,
    pub dims: usize,
    pub embedded: usize,
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexStatus {
    pub sources: Vec<SourceStatus>,
    pub chunks: usize,
    /// The generation searches use (the newest complete one).
    pub active: Option<GenerationInfo>,
    /// A newer generation being built beside it (model or dimension changed).
    pub building: Option<GenerationInfo>,
    /// Batches recorded as failed and waiting for the next run.
    pub failed_batches: usize,
    pub progress: Progress,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexReport {
    pub chunks_total: usize,
    pub chunks_added: usize,
    pub chunks_removed: usize,
    pub embedded: usize,
    pub failed_batches: usize,
}

pub struct Brain {
    progress: watch::Sender<Progress>,
}

impl Brain {
    pub fn open(
        _options: BrainOptions,
        _embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Arc<Brain>, BrainError> {
        Ok(Arc::new(Brain {
            progress: watch::Sender::new(Progress::default()),
        }))
    }

    pub fn status(&self) -> Result<IndexStatus, BrainError> {
        Err(BrainError::NotBuilt)
    }

    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Starts an index run in the background; progress on [`Brain::progress`].
    pub fn start_index(self: &Arc<Self>, _rebuild: bool) -> Result<(), BrainError> {
        Err(BrainError::NotBuilt)
    }

    /// Runs an index to the end in the caller (the CLI); progress on [`Brain::progress`].
    pub async fn index(&self, _rebuild: bool) -> Result<IndexReport, BrainError> {
        Err(BrainError::NotBuilt)
    }

    pub async fn retrieve(&self, _query: &str, _k: usize) -> Result<Retrieval, BrainError> {
        Err(BrainError::NotBuilt)
    }
}
