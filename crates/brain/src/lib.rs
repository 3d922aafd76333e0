//! The Brain's index and retrieval: Markdown-aware chunks of the Resources library and
//! note folders in the shared SQLite store, vectors built by a resumable, crash-safe job,
//! hybrid (BM25 + vector) retrieval. The types below are what the server codes against
//! (see docs/brain.md).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use workbench_llm::Embedder;

pub mod chunk;
mod job;
mod plan;
mod retrieve;
mod schema;
pub mod sources;
mod vectors;

pub use chunk::CHUNKER_VERSION;
pub use vectors::VectorFormat;

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
pub struct SourceProblem {
    pub source: String,
    pub path: String,
    pub problem: String,
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
    /// Files that were not indexed, and why.
    pub problems: Vec<SourceProblem>,
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
    /// Set when embedding stopped early because the model server kept failing.
    pub stopped: Option<String>,
}

pub struct Brain {
    options: BrainOptions,
    embedder: Option<Arc<dyn Embedder>>,
    format: VectorFormat,
    db: Arc<Db>,
    running: AtomicBool,
    progress: watch::Sender<Progress>,
}

/// Two connections to the shared store: the index job writes through one while searches
/// read through the other (WAL lets them run at once).
pub(crate) struct Db {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    matrix: Mutex<Option<Arc<vectors::Matrix>>>,
}

impl Db {
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, BrainError> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut conn).map_err(|e| BrainError::Store(e.to_string()))
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, BrainError> {
        let conn = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&conn).map_err(|e| BrainError::Store(e.to_string()))
    }
}

/// Clears the running flag however the run ends (error, panic, cancelled task).
struct RunningGuard<'a>(&'a AtomicBool);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Brain {
    pub fn open(
        options: BrainOptions,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Arc<Brain>, BrainError> {
        Self::open_with_format(options, embedder, VectorFormat::F32)
    }

    /// As [`Brain::open`], storing new generations' vectors as `format`.
    pub fn open_with_format(
        options: BrainOptions,
        embedder: Option<Arc<dyn Embedder>>,
        format: VectorFormat,
    ) -> Result<Arc<Brain>, BrainError> {
        let path = &options.store_path;
        let wrap = |e: rusqlite::Error| {
            BrainError::Store(format!(
                "cannot open {}: {e}; check server.data_dir is writable",
                path.display()
            ))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| BrainError::Store(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut writer = schema::open(path).map_err(wrap)?;
        schema::migrate(&mut writer).map_err(wrap)?;
        let reader = schema::open(path).map_err(wrap)?;
        Ok(Arc::new(Brain {
            options,
            embedder,
            format,
            db: Arc::new(Db {
                writer: Mutex::new(writer),
                reader: Mutex::new(reader),
                matrix: Mutex::new(None),
            }),
            running: AtomicBool::new(false),
            progress: watch::Sender::new(Progress::default()),
        }))
    }

    pub fn status(&self) -> Result<IndexStatus, BrainError> {
        let mut status = self.db.read(status_of)?;
        status.progress = self.progress.borrow().clone();
        if let Some(model) = self.embedder.as_ref().map(|e| e.model()) {
            if status.active.as_ref().is_some_and(|g| g.model != model)
                && status.building.is_none()
                && !status.progress.running
            {
                status.progress.message = format!(
                    "The index was built with {}; run an index to build vectors for {model}",
                    status
                        .active
                        .as_ref()
                        .map(|g| g.model.as_str())
                        .unwrap_or_default()
                );
            }
        } else if status.progress.message.is_empty() {
            status.progress.message =
                "No embedding model configured: keyword search only (set brain.ollama_url)".into();
        }
        Ok(status)
    }

    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// The in-process flag and the cross-process lock (a file beside the store, `flock`ed:
    /// the OS releases it when the holder dies, even by SIGKILL), so the CLI and the
    /// server never index the same store at once.
    /// On success the running flag is set; the caller clears it with a [`RunningGuard`].
    fn claim(&self) -> Result<std::fs::File, BrainError> {
        self.running
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map_err(|_| BrainError::AlreadyRunning)?;
        self.lock_file()
            .inspect_err(|_| self.running.store(false, Ordering::Release))
    }

    fn lock_file(&self) -> Result<std::fs::File, BrainError> {
        let path = self.options.store_path.with_extension("brain-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| BrainError::Store(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(BrainError::AlreadyRunning),
            Err(std::fs::TryLockError::Error(e)) => Err(BrainError::Store(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    /// Starts an index run in the background; progress on [`Brain::progress`].
    pub fn start_index(self: &Arc<Self>, rebuild: bool) -> Result<(), BrainError> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| BrainError::Store("no async runtime to run the index on".into()))?;
        // Claimed here, not in the task, so a second start is refused at once.
        let lock = self.claim()?;
        let this = self.clone();
        handle.spawn(async move {
            let _guard = RunningGuard(&this.running);
            let _lock = lock;
            // The outcome is on the progress channel and in the log.
            let _ = this.run(rebuild).await;
        });
        Ok(())
    }

    /// Runs an index to the end in the caller (the CLI); progress on [`Brain::progress`].
    pub async fn index(&self, rebuild: bool) -> Result<IndexReport, BrainError> {
        let _lock = self.claim()?;
        let _guard = RunningGuard(&self.running);
        self.run(rebuild).await
    }

    pub async fn retrieve(&self, query: &str, k: usize) -> Result<Retrieval, BrainError> {
        self.retrieve_impl(query, k).await
    }

    /// Whether an index run is going in this process.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }
}

fn generation_info(conn: &Connection, complete: bool) -> rusqlite::Result<Option<GenerationInfo>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT g.id, g.model, g.dims, g.complete,
                (SELECT coalesce(sum(n), 0) FROM brain_vectors v WHERE v.generation = g.id)
         FROM brain_generations g WHERE g.complete = ?1 ORDER BY g.id DESC LIMIT 1",
        [complete],
        |r| {
            Ok(GenerationInfo {
                id: r.get(0)?,
                model: r.get(1)?,
                dims: r.get::<_, i64>(2)? as usize,
                complete: r.get(3)?,
                embedded: r.get::<_, i64>(4)? as usize,
            })
        },
    )
    .optional()
}

fn status_of(conn: &Connection) -> rusqlite::Result<IndexStatus> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.source, count(DISTINCT d.id), count(c.id)
         FROM brain_documents d LEFT JOIN brain_chunks c ON c.doc = d.id
         GROUP BY d.source ORDER BY d.source",
    )?;
    let sources = stmt
        .query_map([], |r| {
            Ok(SourceStatus {
                name: r.get(0)?,
                documents: r.get::<_, i64>(1)? as usize,
                chunks: r.get::<_, i64>(2)? as usize,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached("SELECT source, path, problem FROM brain_problems")?;
    let problems = stmt
        .query_map([], |r| {
            Ok(SourceProblem {
                source: r.get(0)?,
                path: r.get(1)?,
                problem: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let active = generation_info(conn, true)?;
    let building =
        generation_info(conn, false)?.filter(|b| active.as_ref().is_none_or(|a| b.id > a.id));
    let failed_batches: i64 =
        conn.query_row("SELECT count(*) FROM brain_failed", [], |r| r.get(0))?;
    Ok(IndexStatus {
        chunks: sources.iter().map(|s| s.chunks).sum(),
        sources,
        problems,
        active,
        building,
        failed_batches: failed_batches as usize,
        progress: Progress::default(),
    })
}
