//! Measures the Resources pipeline; run by tools/bench-resources.sh (release build).
//!
//! * the shipped library: read only (baseline) vs load (parse, render, highlight) vs index;
//! * a generated library of 1,000 entries (copies of the shipped ones): load + index,
//!   the health check, and search latency p50/p99 against a one-row lookup baseline.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use workbench_content::{Library, Store, check_library};

fn main() {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("content/resources"), PathBuf::from);
    let roots = [root.clone()];

    let t = Instant::now();
    let mut bytes = 0;
    for entry in walk(&root) {
        bytes += std::fs::read(entry).map_or(0, |b| b.len());
    }
    let read = t.elapsed();
    let t = Instant::now();
    let lib = Library::load(&roots);
    let load = t.elapsed();
    let store = Store::in_memory().expect("store");
    let t = Instant::now();
    store.index(&lib).expect("index");
    let index = t.elapsed();
    println!(
        "shipped library: {} entries, {} KiB",
        lib.len(),
        bytes / 1024
    );
    println!("  read files only (baseline): {}", ms(read));
    println!("  load (parse + render + highlight): {}", ms(load));
    println!("  index into SQLite FTS5: {}", ms(index));

    let generated = tempfile::tempdir().expect("tempdir");
    let n = generate(&lib, generated.path(), 1000);
    let groots = [generated.path().to_path_buf()];
    let t = Instant::now();
    let big = Library::load(&groots);
    let gload = t.elapsed();
    let gstore = Store::open(&generated.path().join("store.sqlite3")).expect("store");
    let t = Instant::now();
    gstore.index(&big).expect("index");
    let gindex = t.elapsed();
    let t = Instant::now();
    let report = check_library(&big);
    let gcheck = t.elapsed();
    println!("generated library: {n} files");
    println!("  load: {}, index: {}", ms(gload), ms(gindex));
    println!(
        "  health check (on the loaded library; {} code blocks, shell blocks batched into bash -n): {}",
        report.code_blocks_checked,
        ms(gcheck)
    );
    let t = Instant::now();
    let full = workbench_content::check(&groots);
    println!(
        "  health check including load: {} ({} errors)",
        ms(t.elapsed()),
        full.errors
    );

    let queries = [
        "kubectl",
        "rollout undo",
        "traefik labels",
        "postgres",
        "backup restic",
        "cloudflare tunnel",
        "zfs snapshot",
        "ollama",
        "systemd",
        "docker compose healthcheck",
        "ingress tls",
        "ansible role",
        "fail2ban",
        "prometheus scrape",
        "nginx proxy_pass",
        "wireguard",
        "k3s",
        "secret",
        "cron",
        "tmux split",
    ];
    let baseline = latencies(1000, |i| {
        let _ = gstore.document_count();
        let _ = i;
    });
    let search = latencies(2000, |i| {
        let q = queries[i % queries.len()];
        let hits = gstore.search(q, 20).expect("search");
        std::hint::black_box(hits);
    });
    println!(
        "search over {} entries ({} queries, 20 hits each):",
        big.len(),
        search.len()
    );
    println!(
        "  p50 {}  p99 {}  max {}",
        us(pct(&search, 50)),
        us(pct(&search, 99)),
        us(pct(&search, 100))
    );
    println!(
        "  baseline (count(*) on the same store): p50 {}  p99 {}",
        us(pct(&baseline, 50)),
        us(pct(&baseline, 99))
    );
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(f.path());
        }
    }
    out
}

/// Writes `count` entries (the shipped ones, repeated under new slugs and titles).
fn generate(lib: &Library, dir: &Path, count: usize) -> usize {
    let entries: Vec<_> = lib.entries().collect();
    for i in 0..count {
        let e = entries[i % entries.len()];
        let text = std::fs::read_to_string(&e.path).expect("read");
        // The first copy keeps its slug, so the library's links still resolve.
        let slug = if i < entries.len() {
            e.slug.clone()
        } else {
            format!("{}-{i}", e.slug)
        };
        let text = text.replacen(
            &format!("title: \"{}\"", e.front.title),
            &format!("title: \"{} {i}\"", e.front.title),
            1,
        );
        let section_dir = dir.join(e.section);
        std::fs::create_dir_all(&section_dir).expect("mkdir");
        std::fs::write(section_dir.join(format!("{slug}.md")), text).expect("write");
    }
    count
}

fn latencies(n: usize, mut f: impl FnMut(usize)) -> Vec<Duration> {
    let mut out: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    out.sort();
    out
}

fn pct(sorted: &[Duration], p: usize) -> Duration {
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}
