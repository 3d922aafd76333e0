//! `/workbench/brain/notes/N/<path>`: a note from the N-th `brain.dirs` folder, rendered, so
//! a citation of a private note opens something. Signed-in users only (the default for
//! paths not listed as public); the path cannot leave its folder.

use std::path::{Component, Path as FsPath, PathBuf};

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

use crate::pages::{error_response, escape_html};
use crate::state::AppState;

/// Largest note rendered.
const MAX_NOTE_BYTES: u64 = 4 * 1024 * 1024;

pub async fn page(
    State(state): State<AppState>,
    Path((dir, path)): Path<(String, String)>,
) -> Response {
    let not_found = || {
        error_response(
            StatusCode::NOT_FOUND,
            "There is no such note; it may have been moved or deleted.",
            true,
        )
    };
    let Some(root) = dir
        .parse::<usize>()
        .ok()
        .and_then(|i| state.config.brain.dirs.get(i))
        .cloned()
    else {
        return not_found();
    };
    let Some(file) = resolve(&root, &path) else {
        return not_found();
    };
    let read = tokio::task::spawn_blocking(move || read_note(&root, &file)).await;
    match read {
        Ok(Some((title, markdown))) => {
            let html = workbench_content::render::render(&markdown, 1).html;
            let title = escape_html(&title);
            let path = escape_html(&path);
            Html(format!(
                r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Brain · Workbench</title><link rel="stylesheet" href="/pkg/workbench.css"><link rel="icon" href="/favicon.svg"></head><body><main id="main" class="note-page"><nav class="crumbs"><a href="/workbench/brain">Brain</a> › <span>{path}</span></nav><article class="markdown">{html}</article></main></body></html>"#
            ))
            .into_response()
        }
        Ok(None) => not_found(),
        Err(err) => {
            tracing::error!(error = %err, "brain: reading a note failed");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The note could not be read; see the server log.",
                true,
            )
        }
    }
}

/// `root/rel` when `rel` is a plain relative path to a Markdown file: no `..`, no root, no
/// hidden parts.
pub fn resolve(root: &FsPath, rel: &str) -> Option<PathBuf> {
    let rel = FsPath::new(rel);
    let plain = rel
        .components()
        .all(|c| matches!(c, Component::Normal(part) if !part.to_string_lossy().starts_with('.')));
    let markdown = rel
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    (plain && markdown).then(|| root.join(rel))
}

/// The note's title (front matter, first heading, or file name) and its body, when the file
/// is a regular file inside `root` (symlinks that leave it are refused) of a sane size.
fn read_note(root: &FsPath, file: &FsPath) -> Option<(String, String)> {
    let root = root.canonicalize().ok()?;
    let real = file.canonicalize().ok()?;
    if !real.starts_with(&root) {
        return None;
    }
    let meta = std::fs::metadata(&real).ok()?;
    if !meta.is_file() || meta.len() > MAX_NOTE_BYTES {
        return None;
    }
    let text = String::from_utf8_lossy(&std::fs::read(&real).ok()?).into_owned();
    let (title, body) = match workbench_content::front_matter::parse(&text) {
        Ok(parsed) => (Some(parsed.front.title.clone()), parsed.body.to_string()),
        Err(_) => (None, text.clone()),
    };
    let title = title
        .or_else(|| {
            body.lines()
                .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_string()))
        })
        .unwrap_or_else(|| {
            real.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    Some((title, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_markdown_paths_resolve() {
        let root = FsPath::new("/notes");
        assert_eq!(
            resolve(root, "a/b.md"),
            Some(PathBuf::from("/notes/a/b.md"))
        );
        for bad in [
            "../etc/passwd.md",
            "/etc/x.md",
            "a/../../x.md",
            ".git/x.md",
            "a/.hidden.md",
            "a/b.txt",
            "",
            "a/b",
        ] {
            assert_eq!(resolve(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn a_symlink_out_of_the_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "# Secret").unwrap();
        std::fs::write(dir.path().join("ok.md"), "# Fine\nbody").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.md"), dir.path().join("link.md"))
            .unwrap();
        assert_eq!(
            read_note(dir.path(), &dir.path().join("ok.md")).unwrap().0,
            "Fine"
        );
        assert!(read_note(dir.path(), &dir.path().join("link.md")).is_none());
    }
}
