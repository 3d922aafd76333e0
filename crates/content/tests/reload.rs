//! Adding, changing and removing a file shows up without a restart.

use std::fs;
use std::time::{Duration, Instant};

use workbench_content::{Content, Store};

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn file_changes_reload_pages_and_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fm =
        |t: &str| format!("---\ntitle: {t}\nsummary: S\ntags: [x]\nupdated: 2026-01-01\n---\n");
    fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
    fs::write(
        dir.path().join("stack/one.md"),
        format!("{}\nfirst\n", fm("One")),
    )
    .expect("write");
    let content = Content::open(
        vec![dir.path().to_path_buf()],
        Store::in_memory().expect("store"),
    )
    .expect("open");
    content.watch().expect("watch");
    assert_eq!(content.library().len(), 1);

    fs::write(
        dir.path().join("stack/two.md"),
        format!("{}\nwombat\n", fm("Two")),
    )
    .expect("write");
    wait_for("the new file", || {
        content.library().entry("stack", "two").is_some()
    });
    wait_for("the new file in search", || {
        !content.search("wombat", 5).expect("search").is_empty()
    });

    fs::write(
        dir.path().join("stack/one.md"),
        format!("{}\nchanged\n", fm("One again")),
    )
    .expect("write");
    wait_for("the change", || {
        content
            .library()
            .entry("stack", "one")
            .is_some_and(|e| e.front.title == "One again")
    });

    fs::remove_file(dir.path().join("stack/two.md")).expect("rm");
    wait_for("the removal", || {
        content.library().entry("stack", "two").is_none()
    });
    assert!(content.search("wombat", 5).expect("search").is_empty());
    assert!(content.health().ok());
}
