//! The Brain index's figures, each beside a baseline from the same run:
//! `cargo run --release -p workbench-brain --example bench [-- CHUNKS_FOR_SIZE CHUNKS_FOR_QUERIES]`
//!
//! * indexing overhead per chunk with an embedder that answers at once (baseline: the same
//!   run without an embedder, i.e. scan + chunk + text index only);
//! * size on disk for 46,429 chunks × 768 dims, f32 and f16, per table (baseline: the raw
//!   vector bytes and the reference deployment's 401.9 MB JSON index);
//! * hybrid query latency p50/p99 at 50,000 chunks × 768 dims (baselines: BM25 alone and the
//!   vector scan alone).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use workbench_brain::{Brain, BrainOptions, VectorFormat};
use workbench_llm::{BoxFuture, Embedder, HashEmbedder, LlmError};

const DIMS: usize = 768;
const SECTIONS_PER_FILE: usize = 25;

/// Answers at once with a full-entropy unit vector per text: the model's own time is ~0.
struct Instant768;

impl Embedder for Instant768 {
    fn model(&self) -> &str {
        "instant-768"
    }

    fn embed<'a>(&'a self, inputs: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move {
            Ok(inputs
                .iter()
                .map(|t| {
                    let mut x = t.len() as u64 ^ 0x9e37_79b9_7f4a_7c15;
                    for b in t.bytes().take(64) {
                        x = (x ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                    }
                    let mut v: Vec<f32> = (0..DIMS)
                        .map(|_| {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                        })
                        .collect();
                    let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
                    v.iter_mut().for_each(|a| *a /= n);
                    v
                })
                .collect())
        })
    }
}

/// Stop words at English frequencies, then a Zipf-ish tail of made-up technical words.
struct Vocab {
    stop: Vec<&'static str>,
    words: Vec<String>,
}

impl Vocab {
    fn new(rng: &mut StdRng) -> Vocab {
        let syl = [
            "ka", "ro", "te", "ni", "sa", "po", "lu", "mi", "de", "va", "xo", "re", "tu", "an",
            "el", "os", "ix", "um", "con", "fig", "net", "dock", "vol", "srv", "log", "tls",
        ];
        let words = (0..8_000)
            .map(|_| {
                (0..rng.random_range(2..4))
                    .map(|_| syl[rng.random_range(0..syl.len())])
                    .collect::<String>()
            })
            .collect();
        Vocab {
            stop: vec![
                "the", "a", "to", "of", "and", "in", "is", "it", "for", "on", "with", "that",
                "this", "as", "be", "or", "by", "from", "you", "your", "if", "when", "not",
            ],
            words,
        }
    }

    fn word(&self, rng: &mut StdRng) -> &str {
        if rng.random_bool(0.4) {
            self.stop[rng.random_range(0..self.stop.len())]
        } else {
            // Zipf-like: small indices far more often.
            let u: f64 = rng.random();
            let i = ((self.words.len() as f64).powf(u) as usize).saturating_sub(1);
            &self.words[i.min(self.words.len() - 1)]
        }
    }

    fn sentence(&self, rng: &mut StdRng, chars: usize) -> String {
        let mut s = String::with_capacity(chars + 16);
        while s.len() < chars {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(self.word(rng));
        }
        s.push('.');
        s
    }
}

/// Writes files of 25 sections of ~800–1,200 characters each: one chunk per section.
fn corpus(root: &Path, chunks: usize, vocab: &Vocab, rng: &mut StdRng) {
    std::fs::create_dir_all(root).expect("corpus dir");
    let mut left = chunks;
    let mut f = 0;
    while left > 0 {
        let n = left.min(SECTIONS_PER_FILE);
        let mut md = format!("# Document {f}\n\n");
        for s in 0..n {
            md.push_str(&format!(
                "## {} {s}\n\n",
                vocab.sentence(rng, 20).trim_end_matches('.')
            ));
            let size = rng.random_range(800..1_200);
            if s % 6 == 5 {
                md.push_str(&vocab.sentence(rng, size / 2));
                md.push_str("\n\n```yaml\n");
                for _ in 0..(size / 2 / 40) {
                    md.push_str(&format!("  {}: {}\n", vocab.word(rng), vocab.word(rng)));
                }
                md.push_str("```\n\n");
            } else {
                md.push_str(&vocab.sentence(rng, size / 2));
                md.push_str("\n\n");
                md.push_str(&vocab.sentence(rng, size / 2));
                md.push_str("\n\n");
            }
        }
        std::fs::write(root.join(format!("doc-{f:05}.md")), md).expect("write");
        left -= n;
        f += 1;
    }
}

fn options(store: &Path, notes: &Path) -> BrainOptions {
    BrainOptions {
        store_path: store.to_path_buf(),
        note_dirs: vec![notes.to_path_buf()],
        batch_max_chars: 64_000,
        batch_max_inputs: 64,
        request_timeout: Duration::from_secs(60),
        retries: 0,
        query_timeout: Duration::from_secs(5),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn file_size(store: &Path) -> u64 {
    let conn = rusqlite::Connection::open(store).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    std::fs::metadata(store).map(|m| m.len()).unwrap_or(0)
}

/// Bytes per table (and its indices) from SQLite's dbstat.
fn breakdown(store: &Path) -> Vec<(String, u64)> {
    let conn = rusqlite::Connection::open(store).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT CASE
                 WHEN name LIKE 'brain_fts%' THEN 'brain_fts (contentless FTS5)'
                 WHEN name LIKE 'brain_chunks%' OR name LIKE 'sqlite_autoindex_brain_chunks%' THEN 'brain_chunks (offsets, headings)'
                 WHEN name LIKE 'brain_vectors%' THEN 'brain_vectors'
                 WHEN name LIKE 'brain_documents%' OR name LIKE 'sqlite_autoindex_brain_documents%' THEN 'brain_documents (the text, once)'
                 ELSE 'other' END AS t,
                sum(pgsize) FROM dbstat GROUP BY t ORDER BY 2 DESC",
        )
        .expect("dbstat");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

async fn index_run(
    store: &Path,
    notes: &Path,
    embedder: Option<Arc<dyn Embedder>>,
    format: VectorFormat,
) -> (usize, f64) {
    let brain = Brain::open_with_format(options(store, notes), embedder, format).expect("open");
    let t = Instant::now();
    let report = brain.index(false).await.expect("index");
    (report.chunks_total, t.elapsed().as_secs_f64())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn latencies(brain: &Brain, questions: &[String]) -> (f64, f64) {
    let mut ms = Vec::with_capacity(questions.len());
    for q in questions {
        let t = Instant::now();
        let r = brain.retrieve(q, 8).await.expect("retrieve");
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(r);
    }
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.99))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let size_chunks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(46_429);
    let query_chunks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(42);
    let vocab = Vocab::new(&mut rng);

    // 1 + 2: overhead and size on 46,429 chunks.
    let notes = dir.path().join("corpus-size");
    corpus(&notes, size_chunks, &vocab, &mut rng);
    let base_store = dir.path().join("keyword.sqlite3");
    let (n, base_secs) = index_run(&base_store, &notes, None, VectorFormat::F32).await;
    println!("corpus: {n} chunks of ~800-1,200 chars (synthetic), {DIMS} dims");
    println!(
        "index, no embedder (baseline: scan + chunk + FTS): {base_secs:.2} s = {:.0} chunks/s",
        n as f64 / base_secs
    );
    for format in [VectorFormat::F32, VectorFormat::F16] {
        let store = dir.path().join(format!("{}.sqlite3", format.as_str()));
        let (n, secs) = index_run(&store, &notes, Some(Arc::new(Instant768)), format).await;
        println!(
            "index, instant embedder, {}: {secs:.2} s = {:.0} chunks/s (overhead {:.1} us/chunk)",
            format.as_str(),
            n as f64 / secs,
            secs / n as f64 * 1e6
        );
        let t = Instant::now();
        let (_, again) = index_run(&store, &notes, Some(Arc::new(Instant768)), format).await;
        let _ = t;
        println!("  second run (nothing to do): {again:.2} s");
        let total = file_size(&store);
        println!("  size on disk, {}: {:.1} MB", format.as_str(), mb(total));
        for (table, bytes) in breakdown(&store) {
            println!("    {table}: {:.1} MB", mb(bytes));
        }
    }
    println!(
        "  baselines: raw f32 vectors {:.1} MB, raw f16 {:.1} MB; reference JSON index 401.9 MB",
        mb((size_chunks * DIMS * 4) as u64),
        mb((size_chunks * DIMS * 2) as u64)
    );

    // 3: query latency at 50,000 × 768.
    let notes = dir.path().join("corpus-query");
    corpus(&notes, query_chunks, &vocab, &mut rng);
    let store = dir.path().join("query.sqlite3");
    let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder::new("hash-768", DIMS));
    let (n, _) = index_run(&store, &notes, Some(embedder.clone()), VectorFormat::F32).await;
    let questions: Vec<String> = (0..300)
        .map(|_| {
            let words = rng.random_range(4..12);
            (0..words)
                .map(|_| vocab.word(&mut rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let hybrid = Brain::open(options(&store, &notes), Some(embedder)).expect("open");
    let t = Instant::now();
    hybrid.retrieve("warm up", 8).await.expect("first query");
    println!(
        "queries over {n} chunks x {DIMS} dims; first query (loads the vector matrix): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let (p50, p99) = latencies(&hybrid, &questions).await;
    println!("  hybrid (BM25 + cosine, RRF), k=8: p50 {p50:.1} ms, p99 {p99:.1} ms");
    let nonsense: Vec<String> = (0..100).map(|i| format!("zzqx{i} vvqk{i}")).collect();
    let (p50, p99) = latencies(&hybrid, &nonsense).await;
    println!("  hybrid with no keyword hit (vector path alone): p50 {p50:.1} ms, p99 {p99:.1} ms");
    let keyword = Brain::open(options(&store, &notes), None).expect("open");
    let (p50, p99) = latencies(&keyword, &questions).await;
    println!("  baseline BM25 alone: p50 {p50:.1} ms, p99 {p99:.1} ms");
    let probe = HashEmbedder::new("hash-768", DIMS);
    let mut ms: Vec<f64> = Vec::new();
    let matrix: Vec<f32> = (0..n * DIMS).map(|i| ((i % 97) as f32) / 97.0).collect();
    for q in questions.iter().take(100) {
        let v = probe.vector(q);
        let t = Instant::now();
        let best = matrix
            .chunks_exact(DIMS)
            .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum::<f32>())
            .fold(f32::MIN, f32::max);
        std::hint::black_box(best);
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "  baseline naive vector scan alone ({n} x {DIMS}, iterator dot): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99)
    );
}
