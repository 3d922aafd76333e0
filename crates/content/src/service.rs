//! The running library: the current [`Library`] behind a lock that readers clone an `Arc`
//! from, the store it is indexed into, and the watcher that reloads both on file changes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::check::{Report, check_library};
use crate::library::Library;
use crate::search::Hit;
use crate::store::{IndexStats, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "cannot watch {path} for changes: {source}; pages still serve, but edits need a restart"
    )]
    Watch { path: String, source: notify::Error },
}

pub struct Content {
    roots: Vec<PathBuf>,
    library: RwLock<Arc<Library>>,
    store: Store,
    /// The health report of the current library, computed on first request.
    report: Mutex<Option<(u64, Arc<Report>)>>,
    generation: std::sync::atomic::AtomicU64,
    watcher: Mutex<Option<RecommendedWatcher>>,
}

impl Content {
    /// Loads every root and indexes it into `store`.
    pub fn open(roots: Vec<PathBuf>, store: Store) -> Result<Arc<Content>, ContentError> {
        crate::highlight::warm_up();
        let content = Arc::new(Content {
            roots,
            library: RwLock::new(Arc::new(Library::default())),
            store,
            report: Mutex::new(None),
            generation: 0.into(),
            watcher: Mutex::new(None),
        });
        content.reload()?;
        Ok(content)
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The library as loaded most recently.
    pub fn library(&self) -> Arc<Library> {
        self.library
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads every file again, swaps the library in and brings the index up to date.
    pub fn reload(&self) -> Result<IndexStats, ContentError> {
        let started = Instant::now();
        let lib = Arc::new(Library::load(&self.roots));
        for p in &lib.problems {
            tracing::warn!(problem = %p, "content: skipped or suspicious file");
        }
        let stats = self.store.index(&lib)?;
        *self
            .library
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = lib.clone();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tracing::info!(
            entries = lib.len(),
            added = stats.added,
            updated = stats.updated,
            removed = stats.removed,
            ms = started.elapsed().as_millis() as u64,
            "content loaded"
        );
        Ok(stats)
    }

    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        self.store.search(query, limit)
    }

    /// Goes up by one on every reload: whoever follows the library (the Brain) compares it.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The health report for the current files; one check runs at a time, and its result
    /// is kept until the files change (it runs `bash -n`, so it is not free).
    pub fn health(&self) -> Arc<Report> {
        let mut cached = self
            .report
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        if let Some((g, report)) = cached.as_ref()
            && *g == generation
        {
            return report.clone();
        }
        let report = Arc::new(check_library(&self.library()));
        *cached = Some((generation, report.clone()));
        report
    }

    /// Watches the roots and reloads shortly after files stop changing.
    pub fn watch(self: &Arc<Self>) -> Result<(), ContentError> {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if event.is_ok_and(|e| !e.kind.is_access()) {
                    let _ = tx.send(());
                }
            })
            .map_err(|source| ContentError::Watch {
                path: String::new(),
                source,
            })?;
        for root in &self.roots {
            watcher
                .watch(root, RecursiveMode::Recursive)
                .map_err(|source| ContentError::Watch {
                    path: root.display().to_string(),
                    source,
                })?;
        }
        *self
            .watcher
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(watcher);
        let weak = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("content-watch".into())
            .spawn(move || {
                // Editors write in bursts (temp file, rename, chmod): wait for quiet.
                const QUIET: Duration = Duration::from_millis(150);
                while rx.recv().is_ok() {
                    while rx.recv_timeout(QUIET).is_ok() {}
                    let Some(content) = weak.upgrade() else { break };
                    if let Err(err) = content.reload() {
                        tracing::error!(error = %err, "content: reload failed; keeping the previous version");
                    }
                }
            })
            .map_err(|e| ContentError::Watch { path: String::new(), source: notify::Error::io(e) })?;
        Ok(())
    }
}
