//! What the Brain indexes: the Resources documents (kept in the shared `documents` table by
//! `workbench-content`) and folders of Markdown notes, scanned with care for what a folder
//! can hold (hidden directories, symlinks leaving it, huge or non-UTF-8 files).

use std::path::{Component, Path};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rusqlite::Connection;

/// A note larger than this is skipped with a problem recorded: no note needs it, and
/// chunking and embedding it would dominate a run.
pub const MAX_NOTE_BYTES: u64 = 4 * 1024 * 1024;

/// Characters kept as they are in a note's URL path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDoc {
    pub source: String,
    /// Unique within the source: the Resources key or the note's relative path.
    pub key: String,
    /// The page a citation links to, without the anchor.
    pub url: String,
    pub title: String,
    pub markdown: String,
}

/// A file that was not indexed, and why, in words for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    pub path: String,
    pub problem: String,
}

pub fn notes_source(i: usize) -> String {
    format!("notes:{i}")
}

pub fn resources(conn: &Connection) -> rusqlite::Result<Vec<SourceDoc>> {
    let mut stmt = conn.prepare(
        "SELECT key, url, title, markdown FROM documents WHERE source = 'resources' ORDER BY key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SourceDoc {
            source: "resources".into(),
            key: r.get(0)?,
            url: r.get(1)?,
            title: r.get(2)?,
            markdown: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// The URL of a note: its relative path, each segment percent-encoded.
pub fn note_url(i: usize, rel: &str) -> String {
    let mut url = format!("/workbench/brain/notes/{i}");
    for seg in rel.split('/') {
        url.push('/');
        url.extend(utf8_percent_encode(seg, SEGMENT));
    }
    url
}

/// Every `*.md` under `root`, recursively, in a stable order; `None` when the folder itself
/// cannot be read (then its documents are kept as they are: an unmounted disk must not
/// throw away an index that took hours to embed).
pub fn notes(i: usize, root: &Path, problems: &mut Vec<Problem>) -> Option<Vec<SourceDoc>> {
    let source = notes_source(i);
    let mut problem = |path: &Path, what: String| {
        problems.push(Problem {
            source: source.clone(),
            path: path.display().to_string(),
            problem: what,
        });
    };
    let canon_root = match root
        .canonicalize()
        .and_then(|p| std::fs::read_dir(&p).map(|_| p))
    {
        Ok(p) => p,
        Err(e) => {
            problem(
                root,
                format!(
                    "cannot read the notes folder: {e}; check brain.dirs (its notes stay indexed as they were)"
                ),
            );
            return None;
        }
    };
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(&canon_root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                problem(&path, format!("cannot read: {e}"));
                continue;
            }
        };
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let ft = entry.file_type();
        let real = if ft.is_symlink() {
            match path.canonicalize() {
                Ok(p) if p.starts_with(&canon_root) && p.is_file() => p,
                Ok(_) => {
                    problem(
                        path,
                        "a symbolic link that leaves the notes folder (or is not a file); not indexed"
                            .into(),
                    );
                    continue;
                }
                Err(e) => {
                    problem(path, format!("a broken symbolic link: {e}"));
                    continue;
                }
            }
        } else if ft.is_file() {
            path.to_path_buf()
        } else {
            continue;
        };
        let Ok(rel) = path.strip_prefix(&canon_root) else {
            continue;
        };
        let Some(rel) = rel_key(rel) else {
            problem(
                path,
                "a file name that is not valid UTF-8; rename it".into(),
            );
            continue;
        };
        match std::fs::metadata(&real) {
            Ok(m) if m.len() > MAX_NOTE_BYTES => {
                problem(
                    path,
                    format!(
                        "{} bytes, over the {MAX_NOTE_BYTES}-byte limit for a note; split it",
                        m.len()
                    ),
                );
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                problem(path, format!("cannot read: {e}"));
                continue;
            }
        }
        let bytes = match std::fs::read(&real) {
            Ok(b) => b,
            Err(e) => {
                problem(path, format!("cannot read: {e}"));
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                problem(
                    path,
                    format!(
                        "not valid UTF-8 (first bad byte at offset {}); save it as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                );
                continue;
            }
        };
        // As the server's note page reads it, so titles and heading ids agree.
        let (front_title, markdown) = match workbench_content::front_matter::parse(&text) {
            Ok(parsed) => (Some(parsed.front.title.clone()), parsed.body.to_string()),
            // Without valid front matter the page shows the whole file; so do the chunks.
            Err(_) => (None, text),
        };
        let title = front_title
            .filter(|t| !t.trim().is_empty())
            .or_else(|| title_of(&markdown))
            .unwrap_or_else(|| {
                real.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| rel.clone())
            });
        out.push(SourceDoc {
            source: source.clone(),
            url: note_url(i, &rel),
            key: rel,
            title,
            markdown,
        });
    }
    Some(out)
}

fn rel_key(rel: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// The first level-1 ATX heading's text, if any.
fn title_of(markdown: &str) -> Option<String> {
    let mut in_fence = false;
    for line in markdown.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence && let Some(h) = t.strip_prefix("# ") {
            let h = h.trim().trim_end_matches('#').trim();
            if !h.is_empty() {
                return Some(h.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_segments() {
        assert_eq!(
            note_url(1, "a dir/x?y#z.md"),
            "/workbench/brain/notes/1/a%20dir/x%3Fy%23z.md"
        );
    }

    #[test]
    fn titles() {
        assert_eq!(title_of("```\n# not\n```\n# Yes #\n"), Some("Yes".into()));
        assert_eq!(title_of("text"), None);
    }

    #[test]
    fn scans_with_care() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("notes");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::create_dir_all(root.join(".hidden")).expect("mkdir");
        std::fs::write(root.join("a.md"), "# Alpha\n\ntext").expect("write");
        std::fs::write(
            root.join("fm.md"),
            "---\ntitle: From front matter\nsummary: s\ntags: [a]\nupdated: 2026-01-01\n---\n\n## Part\n\nbody\n",
        )
        .expect("write");
        std::fs::write(root.join("sub/b c.md"), "plain").expect("write");
        std::fs::write(root.join(".hidden/x.md"), "secret").expect("write");
        std::fs::write(root.join("bad.md"), [0xff, 0xfe]).expect("write");
        std::fs::write(root.join("big.md"), vec![b'a'; MAX_NOTE_BYTES as usize + 1])
            .expect("write");
        std::fs::write(root.join("skip.txt"), "x").expect("write");
        std::fs::write(dir.path().join("outside.md"), "outside").expect("write");
        std::os::unix::fs::symlink(dir.path().join("outside.md"), root.join("out.md"))
            .expect("symlink");
        std::os::unix::fs::symlink(root.join("a.md"), root.join("in.md")).expect("symlink");
        let mut problems = Vec::new();
        let docs = notes(0, &root, &mut problems).expect("readable");
        let keys: Vec<&str> = docs.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, vec!["a.md", "fm.md", "in.md", "sub/b c.md"]);
        assert_eq!(docs[0].title, "Alpha");
        assert_eq!(docs[1].title, "From front matter");
        assert!(docs[1].markdown.starts_with("\n## Part"));
        assert_eq!(docs[3].title, "b c");
        assert_eq!(docs[3].url, "/workbench/brain/notes/0/sub/b%20c.md");
        assert_eq!(problems.len(), 3, "{problems:?}");
        let mut problems = Vec::new();
        assert!(notes(0, &dir.path().join("missing"), &mut problems).is_none());
        assert_eq!(problems.len(), 1);
    }
}
