//! Search relevance over the shipped library and a small fixture.

use std::fs;
use std::path::PathBuf;

use workbench_content::{Library, Store};

fn shipped() -> Store {
    let lib =
        Library::load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/resources")]);
    let store = Store::in_memory().expect("store");
    store.index(&lib).expect("index");
    store
}

#[test]
fn an_exact_title_match_ranks_first() {
    let store = shipped();
    let lib =
        Library::load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/resources")]);
    for entry in lib.entries().take(40) {
        let hits = store.search(&entry.front.title, 5).expect("search");
        assert_eq!(
            hits.first().map(|h| h.key.as_str()),
            Some(entry.key().as_str()),
            "searching {:?}",
            entry.front.title
        );
    }
}

#[test]
fn a_term_only_in_a_code_block_is_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fm = "---\ntitle: T\nsummary: S\ntags: [x]\nupdated: 2026-01-01\n---\n";
    fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
    fs::write(
        dir.path().join("stack/one.md"),
        format!("{fm}\nProse about nothing.\n\n```bash\nzpool scrub tank-quokka\n```\n"),
    )
    .expect("write");
    fs::write(
        dir.path().join("stack/two.md"),
        format!("{fm}\nOther prose.\n"),
    )
    .expect("write");
    let store = Store::in_memory().expect("store");
    store
        .index(&Library::load(&[dir.path().to_path_buf()]))
        .expect("index");
    let hits = store.search("quokka", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].key, "stack/one");
    assert!(
        hits[0]
            .snippet
            .iter()
            .any(|f| f.marked && f.text.to_lowercase().contains("quokka")),
        "{:?}",
        hits[0].snippet
    );
}

#[test]
fn shipped_code_terms_are_found() {
    let store = shipped();
    // Only in a command line of the kubectl cheatsheet and manifests.
    let hits = store.search("rollout undo", 10).expect("search");
    assert!(!hits.is_empty());
}

#[test]
fn hostile_queries_find_nothing_or_something_but_never_fail() {
    let store = shipped();
    for q in [
        "",
        "\"",
        "NEAR(",
        "a OR",
        "*",
        "title:x",
        "'; DROP TABLE documents; --",
        &"x".repeat(10_000),
        "\u{0}\u{2}\u{3}",
        "k8s^",
    ] {
        store.search(q, 10).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    assert_eq!(
        store.document_count().expect("count"),
        89.max(store.document_count().expect("count"))
    );
}

#[test]
fn reindexing_keeps_ids_and_drops_deleted_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fm = "---\ntitle: T\nsummary: S\ntags: [x]\nupdated: 2026-01-01\n---\n";
    fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
    fs::write(dir.path().join("stack/a.md"), format!("{fm}alpha\n")).expect("write");
    fs::write(dir.path().join("stack/b.md"), format!("{fm}beta\n")).expect("write");
    let store = Store::open(&dir.path().join("data/store.sqlite3")).expect("store");
    let roots = [dir.path().to_path_buf()];
    let first = store.index(&Library::load(&roots)).expect("index");
    assert_eq!(first.added, 2);
    fs::write(dir.path().join("stack/a.md"), format!("{fm}gamma\n")).expect("write");
    fs::remove_file(dir.path().join("stack/b.md")).expect("rm");
    let second = store.index(&Library::load(&roots)).expect("index");
    assert_eq!((second.updated, second.removed, second.added), (1, 1, 0));
    assert!(store.search("alpha", 5).expect("search").is_empty());
    assert_eq!(store.search("gamma", 5).expect("search").len(), 1);
    let third = store.index(&Library::load(&roots)).expect("index");
    assert_eq!(third.unchanged, 1);
}
