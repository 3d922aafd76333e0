//! `workbench content check`: a readable report or JSON, exit 0 clean, 1 with problems.

use std::path::Path;
use std::process::Command;

fn workbench(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_workbench"));
    cmd.current_dir(dir).env_remove("RUST_LOG");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("WORKBENCH_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn the_shipped_content_passes() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = workbench(&repo)
        .args(["content", "check"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 error(s)"), "{stdout}");
}

#[test]
fn json_format_and_exit_1_on_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
    std::fs::write(dir.path().join("stack/broken.md"), "---\ntitle: x\n---\n").expect("write");
    let out = workbench(dir.path())
        .args(["content", "check", "--format", "json", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["kind"], "front-matter");

    let text = workbench(dir.path())
        .args(["content", "check", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(text.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("broken.md:1: front matter lacks `summary`")
    );
}

#[test]
fn bad_flags_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = workbench(dir.path())
        .args(["content", "check", "--format", "yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}
