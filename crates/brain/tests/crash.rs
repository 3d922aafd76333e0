//! Crash safety for real: the indexer runs as a child process and is killed with SIGKILL at
//! random points, then restarted; the store it ends with must equal an uninterrupted build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

const WORDS: &[&str] = &[
    "docker",
    "compose",
    "volume",
    "network",
    "restart",
    "policy",
    "backup",
    "restore",
    "traefik",
    "certificate",
    "proxy",
    "tunnel",
    "cloudflare",
    "access",
    "token",
    "secret",
    "kubernetes",
    "pod",
    "service",
    "ingress",
    "helm",
    "chart",
    "values",
    "namespace",
    "storage",
    "snapshot",
    "zfs",
    "raid",
    "disk",
    "mount",
    "bind",
    "permission",
    "user",
    "group",
    "systemd",
    "timer",
    "cron",
    "log",
    "journal",
    "metrics",
    "prometheus",
    "grafana",
    "alert",
    "dns",
    "resolver",
    "upstream",
    "cache",
    "memory",
    "cpu",
    "limit",
];

fn corpus(root: &Path, files: usize, sections: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    for f in 0..files {
        let mut md = format!("# Document {f}\n\n");
        for s in 0..sections {
            md.push_str(&format!("## Section {s} of {f}\n\n"));
            for _ in 0..2 {
                let words: Vec<&str> = (0..70)
                    .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                    .collect();
                md.push_str(&words.join(" "));
                md.push_str(".\n\n");
            }
            if s % 7 == 0 {
                md.push_str("```yaml\nservices:\n  app:\n    image: nginx\n    restart: unless-stopped\n```\n\n");
            }
        }
        let dir = if f % 3 == 0 {
            root.join("sub")
        } else {
            root.to_path_buf()
        };
        std::fs::write(dir.join(format!("doc-{f}.md")), md).expect("write");
    }
}

fn child_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let child = dir.join("examples").join("index-child");
    if !child.exists() {
        // `cargo test --test crash` alone does not build examples.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "workbench-brain", "--example", "index-child"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the index-child example failed");
    }
    child
}

fn spawn(store: &Path, corpus: &Path, delay_ms: u64) -> std::process::Child {
    Command::new(child_exe())
        .arg(store)
        .arg(corpus)
        .arg(delay_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts")
}

type Chunks = Vec<(String, String, i64, Vec<u8>, i64, i64, String, String)>;

/// Everything an index is: the chunk set, the generations, the vectors by key, and a few
/// full-text counts.
#[derive(Debug, PartialEq)]
struct Snapshot {
    chunks: Chunks,
    gens: Vec<(String, i64, bool)>,
    vectors: BTreeMap<Vec<u8>, Vec<u8>>,
    fts: Vec<i64>,
}

fn snapshot(path: &Path) -> Snapshot {
    let conn = Connection::open(path).expect("open");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(ok, "ok");
    conn.execute(
        "INSERT INTO brain_fts(brain_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("full-text index consistent with its table");
    let mut stmt = conn
        .prepare(
            "SELECT d.source, d.key, c.ord, c.hash, c.start, c.len, c.heading, c.anchor
             FROM brain_chunks c JOIN brain_documents d ON d.id = c.doc ORDER BY d.source, d.key, c.ord",
        )
        .expect("prepare");
    let chunks: Chunks = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut stmt = conn
        .prepare("SELECT model, dims, complete FROM brain_generations ORDER BY id")
        .expect("prepare");
    let gens: Vec<(String, i64, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut vectors = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT n, hashes, vectors FROM brain_vectors")
        .expect("prepare");
    let mut rows = stmt.query([]).expect("query");
    while let Some(r) = rows.next().expect("row") {
        let n: i64 = r.get(0).expect("n");
        let hashes: Vec<u8> = r.get(1).expect("hashes");
        let blob: Vec<u8> = r.get(2).expect("vectors");
        assert_eq!(hashes.len(), n as usize * 16);
        let width = blob.len() / n as usize;
        for i in 0..n as usize {
            let old = vectors.insert(
                hashes[i * 16..(i + 1) * 16].to_vec(),
                blob[i * width..(i + 1) * width].to_vec(),
            );
            assert!(old.is_none(), "a vector stored twice");
        }
    }
    let counts = ["docker", "zfs", "restart", "nginx", "section"]
        .iter()
        .map(|w| {
            conn.query_row(
                "SELECT count(*) FROM brain_fts WHERE brain_fts MATCH ?1",
                [w],
                |r| r.get(0),
            )
            .expect("fts")
        })
        .collect();
    Snapshot {
        chunks,
        gens,
        vectors,
        fts: counts,
    }
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("corpus");
    corpus(&notes, 120, 25, 7);
    let killed_store = dir.path().join("killed.sqlite3");
    let clean_store = dir.path().join("clean.sqlite3");
    let started = Instant::now();

    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut kills_mid_run = 0;
    let mut progress = Vec::new();
    for _ in 0..40 {
        if kills_mid_run >= 12 {
            break;
        }
        let mut child = spawn(&killed_store, &notes, 40);
        std::thread::sleep(Duration::from_millis(rng.random_range(30..700)));
        let still_running = child.try_wait().expect("wait").is_none();
        // Child::kill sends SIGKILL.
        child.kill().expect("kill");
        child.wait().expect("reaped");
        if still_running {
            kills_mid_run += 1;
            if killed_store.exists() {
                let conn = Connection::open(&killed_store).expect("open");
                let n: i64 = conn
                    .query_row("SELECT coalesce(sum(n), 0) FROM brain_vectors", [], |r| {
                        r.get(0)
                    })
                    .unwrap_or(0);
                progress.push(n);
            }
        }
    }
    assert!(
        kills_mid_run >= 10,
        "only {kills_mid_run} kills landed mid-run"
    );
    // Kills landed at different stages, and progress was kept across them.
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let out = spawn(&killed_store, &notes, 0)
        .wait_with_output()
        .expect("finishes");
    assert!(out.status.success());
    let out = spawn(&clean_store, &notes, 0)
        .wait_with_output()
        .expect("finishes");
    assert!(out.status.success());
    let line = String::from_utf8_lossy(&out.stdout).to_string();

    let Snapshot {
        chunks: chunks_a,
        gens: gens_a,
        vectors: vectors_a,
        fts: fts_a,
    } = snapshot(&killed_store);
    let Snapshot {
        chunks: chunks_b,
        gens: gens_b,
        vectors: vectors_b,
        fts: fts_b,
    } = snapshot(&clean_store);
    assert!(
        chunks_b.len() >= 2_500,
        "corpus of a few thousand chunks: {line}"
    );
    assert_eq!(chunks_a, chunks_b, "same chunk set");
    assert_eq!(gens_a, gens_b);
    assert_eq!(gens_a, vec![("hash-test".to_string(), 64, true)]);
    let live: BTreeSet<&Vec<u8>> = chunks_a.iter().map(|c| &c.3).collect();
    assert_eq!(vectors_a.len(), live.len(), "one vector per distinct chunk");
    assert!(vectors_a == vectors_b, "same vectors, bit for bit");
    assert_eq!(fts_a, fts_b);
    eprintln!(
        "{kills_mid_run} kills mid-run, vectors after each: {progress:?}; {} chunks; {:.1} s",
        chunks_a.len(),
        started.elapsed().as_secs_f64()
    );
}
