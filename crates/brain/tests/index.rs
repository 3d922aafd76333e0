//! The index job and retrieval against a real SQLite store, with an embedder that can fail,
//! stall and change its dimension on demand.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use workbench_brain::{Brain, BrainError, BrainOptions, Phase, RetrievalMode, VectorFormat};
use workbench_llm::{BoxFuture, Embedder, HashEmbedder, LlmError};

/// HashEmbedder vectors, with knobs.
struct TestEmbedder {
    model: String,
    dims: AtomicUsize,
    /// The next this-many calls fail with HTTP 500.
    fail_next: AtomicUsize,
    /// Calls whose batch contains this word fail (a poisoned document).
    poison: Mutex<Option<String>>,
    /// Every call sleeps this long (ms) first.
    delay_ms: AtomicUsize,
    calls: AtomicUsize,
    inputs: AtomicUsize,
}

impl TestEmbedder {
    fn new(model: &str, dims: usize) -> Arc<Self> {
        Arc::new(Self {
            model: model.into(),
            dims: AtomicUsize::new(dims),
            fail_next: AtomicUsize::new(0),
            poison: Mutex::new(None),
            delay_ms: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
            inputs: AtomicUsize::new(0),
        })
    }

    fn inputs(&self) -> usize {
        self.inputs.load(Ordering::SeqCst)
    }
}

impl Embedder for TestEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    fn embed<'a>(&'a self, inputs: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let delay = self.delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay as u64)).await;
            }
            let fail = self
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let poisoned = self
                .poison
                .lock()
                .expect("lock")
                .as_ref()
                .is_some_and(|w| inputs.iter().any(|i| i.contains(w.as_str())));
            if fail || poisoned {
                return Err(LlmError::Status {
                    what: "/api/embed",
                    status: 500,
                    message: "boom".into(),
                });
            }
            self.inputs.fetch_add(inputs.len(), Ordering::SeqCst);
            let h = HashEmbedder::new(&self.model, self.dims.load(Ordering::SeqCst));
            Ok(inputs.iter().map(|t| h.vector(t)).collect())
        })
    }
}

fn options(dir: &Path, notes: Vec<PathBuf>) -> BrainOptions {
    BrainOptions {
        store_path: dir.join("store.sqlite3"),
        note_dirs: notes,
        batch_max_chars: 4_000,
        batch_max_inputs: 4,
        request_timeout: Duration::from_secs(5),
        retries: 1,
        query_timeout: Duration::from_secs(2),
    }
}

fn write_notes(root: &Path, files: usize) {
    std::fs::create_dir_all(root).expect("mkdir");
    for i in 0..files {
        let body = format!(
            "# Note {i}\n\nIntro about topic{i} and shared words.\n\n## Setup\n\nInstall package{i} with care.\n\n```sh\napt install pkg{i}\n```\n\n## Usage\n\nRun the tool{i} daily.\n"
        );
        std::fs::write(root.join(format!("note-{i}.md")), body).expect("write");
    }
}

async fn index(brain: &Brain) -> workbench_brain::IndexReport {
    brain.index(false).await.expect("index runs")
}

#[tokio::test]
async fn without_an_embedder_keyword_search_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_notes(&dir.path().join("n"), 3);
    let brain = Brain::open(options(dir.path(), vec![dir.path().join("n")]), None).expect("open");
    let report = index(&brain).await;
    assert!(report.chunks_total >= 9, "{report:?}");
    assert_eq!(report.embedded, 0);
    let status = brain.status().expect("status");
    assert_eq!(status.sources.len(), 1);
    assert_eq!(status.sources[0].name, "notes:0");
    assert_eq!(status.sources[0].documents, 3);
    assert!(status.active.is_none());
    assert!(
        status.progress.message.contains("keyword"),
        "{}",
        status.progress.message
    );
    let r = brain
        .retrieve("install package1", 3)
        .await
        .expect("retrieve");
    assert!(
        matches!(r.mode, RetrievalMode::KeywordOnly { ref reason } if reason.contains("brain.ollama_url"))
    );
    let top = &r.passages[0];
    assert_eq!(top.title, "Note 1");
    assert_eq!(top.heading, "Note 1 › Setup");
    assert_eq!(top.url, "/workbench/brain/notes/0/note-1.md#setup");
    assert!(top.text.contains("apt install pkg1"));
    assert_eq!(top.source, "notes:0");
}

#[tokio::test]
async fn idempotent_incremental_and_pruned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 5);
    let emb = TestEmbedder::new("m", 32);
    let brain =
        Brain::open(options(dir.path(), vec![notes.clone()]), Some(emb.clone())).expect("open");
    let first = index(&brain).await;
    assert_eq!(first.embedded, first.chunks_total);
    let n = emb.inputs();
    assert_eq!(n, first.chunks_total);

    let second = index(&brain).await;
    assert_eq!(second.embedded, 0, "a second run embeds nothing");
    assert_eq!(second.chunks_added, 0);
    assert!(emb.inputs() - n <= 1, "at most the dimension probe");

    // One changed section: only its chunk is embedded again.
    let p = notes.join("note-2.md");
    let text = std::fs::read_to_string(&p)
        .expect("read")
        .replace("Run the tool2 daily.", "Run the tool2 weekly.");
    std::fs::write(&p, text).expect("write");
    let third = index(&brain).await;
    assert_eq!(third.embedded, 1, "{third:?}");
    // A folder that cannot be read (an unmounted disk) keeps its index as it was.
    let away = dir.path().join("away");
    std::fs::rename(&notes, &away).expect("unmount");
    let gone = index(&brain).await;
    assert_eq!((gone.chunks_removed, gone.embedded), (0, 0), "{gone:?}");
    let status = brain.status().expect("status");
    assert_eq!(status.sources[0].documents, 5);
    assert!(
        status.problems[0].problem.contains("stay indexed"),
        "{:?}",
        status.problems
    );
    std::fs::rename(&away, &notes).expect("mount");
    // A deleted file's chunks go.
    std::fs::remove_file(notes.join("note-4.md")).expect("rm");
    let fourth = index(&brain).await;
    assert_eq!(fourth.embedded, 0);
    assert!(fourth.chunks_removed > 0);
    let status = brain.status().expect("status");
    assert_eq!(status.sources[0].documents, 4);
    let active = status.active.expect("active generation");
    assert_eq!(
        (active.model.as_str(), active.dims, active.complete),
        ("m", 32, true)
    );
    assert_eq!(
        active.embedded, status.chunks,
        "pruned vectors of removed text"
    );
    assert_eq!(status.progress.phase, Phase::Done);

    let r = brain.retrieve("tool2 weekly", 2).await.expect("retrieve");
    assert_eq!(r.mode, RetrievalMode::Hybrid);
    assert!(r.passages[0].text.contains("weekly"));
    assert!(r.passages.len() <= 2);
}

#[tokio::test]
async fn a_failing_batch_is_recorded_and_retried_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 6);
    let emb = TestEmbedder::new("m", 16);
    *emb.poison.lock().expect("lock") = Some("package3".into());
    let brain = Brain::open(options(dir.path(), vec![notes]), Some(emb.clone())).expect("open");
    let report = index(&brain).await;
    assert_eq!(report.failed_batches, 1, "{report:?}");
    assert!(report.embedded > 0 && report.embedded < report.chunks_total);
    let status = brain.status().expect("status");
    assert_eq!(status.failed_batches, 1);
    assert!(
        status.active.is_none(),
        "an incomplete generation is not active"
    );
    let building = status.building.expect("building");
    assert!(!building.complete);
    assert!(
        status.progress.message.contains("retried"),
        "{}",
        status.progress.message
    );
    // Searches use what is there meanwhile.
    let r = brain.retrieve("topic1", 3).await.expect("retrieve");
    assert_eq!(r.mode, RetrievalMode::Hybrid);

    *emb.poison.lock().expect("lock") = None;
    let before = emb.inputs();
    let again = index(&brain).await;
    assert_eq!(again.failed_batches, 0);
    assert_eq!(again.embedded, report.chunks_total - report.embedded);
    assert_eq!(emb.inputs() - before, again.embedded);
    let status = brain.status().expect("status");
    assert_eq!(status.failed_batches, 0);
    assert!(status.active.expect("active").complete);
}

#[tokio::test]
async fn transient_errors_and_timeouts_are_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 2);
    let emb = TestEmbedder::new("m", 16);
    emb.fail_next.store(1, Ordering::SeqCst);
    let brain =
        Brain::open(options(dir.path(), vec![notes.clone()]), Some(emb.clone())).expect("open");
    let report = index(&brain).await;
    assert_eq!(report.failed_batches, 0, "one retry covers one 500");

    // A model that stalls past the request timeout: every batch fails, none hangs.
    let dir2 = tempfile::tempdir().expect("tempdir");
    let slow = TestEmbedder::new("m", 16);
    slow.delay_ms.store(1_000, Ordering::SeqCst);
    let mut o = options(dir2.path(), vec![notes]);
    o.request_timeout = Duration::from_millis(50);
    o.retries = 0;
    o.batch_max_inputs = 100;
    o.query_timeout = Duration::from_millis(50);
    let brain = Brain::open(o, Some(slow.clone())).expect("open");
    let report = index(&brain).await;
    assert_eq!(report.failed_batches, 1);
    assert_eq!(report.embedded, 0);
    let r = brain.retrieve("topic1", 3).await.expect("retrieve");
    match r.mode {
        RetrievalMode::KeywordOnly { reason } => {
            assert!(reason.contains("did not answer"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!r.passages.is_empty());
}

#[tokio::test]
async fn a_model_server_that_is_down_stops_the_embedding_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 10);
    let emb = TestEmbedder::new("m", 16);
    emb.fail_next.store(usize::MAX, Ordering::SeqCst);
    let mut o = options(dir.path(), vec![notes]);
    o.retries = 0;
    let brain = Brain::open(o, Some(emb.clone())).expect("open");
    let report = index(&brain).await;
    assert_eq!(report.failed_batches, 3, "{report:?}");
    assert!(
        report
            .stopped
            .as_deref()
            .is_some_and(|s| s.contains("boom"))
    );
    assert_eq!(emb.calls.load(Ordering::SeqCst), 3);
    let p = brain.progress().borrow().clone();
    assert!(p.message.contains("next run"), "{}", p.message);
    // Keyword search works meanwhile, and says why it is keyword-only.
    let r = brain.retrieve("topic3", 3).await.expect("retrieve");
    assert!(matches!(r.mode, RetrievalMode::KeywordOnly { .. }));
    assert!(!r.passages.is_empty());
}

#[tokio::test]
async fn a_new_dimension_builds_a_new_generation_beside_the_old() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 4);
    let emb = TestEmbedder::new("m", 16);
    let brain =
        Brain::open(options(dir.path(), vec![notes.clone()]), Some(emb.clone())).expect("open");
    let first = index(&brain).await;
    let old = brain.status().expect("status").active.expect("active");
    assert_eq!(old.dims, 16);

    // The model now answers in 24 dims, and one document fails: the new generation is
    // incomplete, the old one stays active.
    emb.dims.store(24, Ordering::SeqCst);
    *emb.poison.lock().expect("lock") = Some("package2".into());
    let second = index(&brain).await;
    assert_eq!(second.failed_batches, 1, "{second:?}");
    let status = brain.status().expect("status");
    assert_eq!(status.active.as_ref().map(|g| g.dims), Some(16));
    let building = status.building.expect("building");
    assert_eq!(building.dims, 24);
    assert!(building.embedded > 0);
    // The question is embedded in 24 dims: searches use the partial new generation.
    let r = brain.retrieve("topic1", 3).await.expect("retrieve");
    assert_eq!(r.mode, RetrievalMode::Hybrid);

    *emb.poison.lock().expect("lock") = None;
    let third = index(&brain).await;
    assert_eq!(second.embedded + third.embedded, first.chunks_total);
    let status = brain.status().expect("status");
    let active = status.active.expect("active");
    assert_eq!(active.dims, 24);
    assert!(status.building.is_none());
    assert_eq!(
        active.embedded, status.chunks,
        "the old generation was dropped"
    );
}

#[tokio::test]
async fn a_second_start_while_running_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 3);
    let emb = TestEmbedder::new("m", 16);
    emb.delay_ms.store(30, Ordering::SeqCst);
    let brain = Brain::open(options(dir.path(), vec![notes]), Some(emb.clone())).expect("open");
    let mut progress = brain.progress();
    brain.start_index(false).expect("starts");
    assert!(matches!(
        brain.start_index(false),
        Err(BrainError::AlreadyRunning)
    ));
    assert!(matches!(
        brain.index(false).await,
        Err(BrainError::AlreadyRunning)
    ));
    let mut saw_embedding = false;
    loop {
        progress.changed().await.expect("progress");
        let p = progress.borrow_and_update().clone();
        if p.phase == Phase::Embedding && p.done > 0 {
            assert!(p.rate > 0.0 && p.total >= p.done);
            saw_embedding = true;
        }
        if !p.running && p.phase == Phase::Done {
            break;
        }
    }
    assert!(saw_embedding);
    // The flag is cleared once the task is over.
    for _ in 0..100 {
        if !brain.is_running() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    brain.start_index(false).expect("starts again");
}

#[tokio::test]
async fn rebuild_embeds_everything_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 3);
    let emb = TestEmbedder::new("m", 16);
    let brain = Brain::open(options(dir.path(), vec![notes]), Some(emb.clone())).expect("open");
    let first = index(&brain).await;
    let again = brain.index(true).await.expect("rebuild");
    assert_eq!(again.embedded, first.chunks_total);
    assert_eq!(again.chunks_total, first.chunks_total);
    let status = brain.status().expect("status");
    assert_eq!(status.active.expect("active").embedded, status.chunks);
}

#[tokio::test]
async fn hostile_questions_never_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 3);
    let emb = TestEmbedder::new("m", 16);
    let brain = Brain::open(options(dir.path(), vec![notes]), Some(emb)).expect("open");
    index(&brain).await;
    let long = "a\"b NEAR( * ".repeat(1_000);
    for q in [
        "",
        "\"",
        "NEAR(",
        "*",
        "AND",
        "OR OR",
        "col:thing",
        "^start",
        "'; DROP TABLE brain_chunks; --",
        "\0\u{feff}",
        long.as_str(),
    ] {
        let r = brain.retrieve(q, 5).await.expect("never errors");
        assert!(r.passages.len() <= 5);
    }
    let r = brain.retrieve("topic1", 0).await.expect("k=0");
    assert!(r.passages.len() <= 1);
}

#[tokio::test]
async fn f16_vectors_search_like_f32() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 5);
    let emb = TestEmbedder::new("m", 64);
    let brain = Brain::open_with_format(
        options(dir.path(), vec![notes]),
        Some(emb),
        VectorFormat::F16,
    )
    .expect("open");
    index(&brain).await;
    let r = brain
        .retrieve("package3 install", 1)
        .await
        .expect("retrieve");
    assert_eq!(r.mode, RetrievalMode::Hybrid);
    assert_eq!(r.passages[0].title, "Note 3");
}

/// Regression: a generation built as f32 and continued after `vector_format` became f16
/// must not get f16 rows (the reader decodes by the generation's format).
#[tokio::test]
async fn a_changed_format_never_mixes_widths_in_one_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("n");
    write_notes(&notes, 4);
    let emb = TestEmbedder::new("m", 64);
    let opts = options(dir.path(), vec![notes.clone()]);
    let f32_brain =
        Brain::open_with_format(opts.clone(), Some(emb.clone()), VectorFormat::F32).expect("open");
    index(&f32_brain).await;
    drop(f32_brain);
    write_notes(&notes, 6);
    let f16_brain = Brain::open_with_format(opts, Some(emb), VectorFormat::F16).expect("reopen");
    let report = index(&f16_brain).await;
    assert!(report.embedded > 0, "{report:?}");
    for n in 0..6 {
        let r = f16_brain
            .retrieve(&format!("package{n} install"), 1)
            .await
            .expect("retrieve");
        assert_eq!(r.mode, RetrievalMode::Hybrid);
        assert_eq!(r.passages[0].title, format!("Note {n}"));
    }
}

#[tokio::test]
async fn bad_store_paths_say_what_to_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("file");
    std::fs::write(&file, "not a database ".repeat(500)).expect("write");
    let mut o = options(dir.path(), Vec::new());
    o.store_path = file.join("store.sqlite3");
    let err = Brain::open(o, None).err().expect("fails");
    assert!(err.to_string().contains("cannot create"), "{err}");
    // Not a database.
    let mut o = options(dir.path(), Vec::new());
    o.store_path = file;
    let err = Brain::open(o, None).err().expect("fails");
    assert!(err.to_string().contains("data_dir"), "{err}");
}

#[test]
fn two_processes_opening_a_new_store_at_once_both_succeed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || {
                let _content = workbench_content::Store::open(&p.join("store.sqlite3"));
                Brain::open(options(&p, Vec::new()), None).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread").expect("opens");
    }
}
