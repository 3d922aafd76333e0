//! The content the project ships loads and passes its own health check.

use std::path::PathBuf;

use workbench_content::{Library, SECTIONS, check};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/resources")
}

#[test]
fn shipped_content_passes_the_health_check() {
    let report = check(&[root()]);
    assert!(report.ok(), "{}", report.to_text());
    eprintln!("{}", report.to_text());
    assert!(report.code_blocks_checked > 100, "{}", report.to_text());
}

#[test]
fn every_section_has_at_least_ten_entries() {
    let lib = Library::load(&[root()]);
    for s in SECTIONS {
        let n = lib.section_entries(s.slug).len();
        assert!(n >= 10, "{} has {n} entries", s.slug);
    }
}
