//! Loading: every `<root>/<section>/<slug>.md` read, parsed and rendered once, into an
//! immutable [`Library`] that pages read from. Problems are collected, never fatal.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::front_matter::{self, FrontMatter, FrontMatterError};
use crate::render::{Rendered, render_with};
use crate::sections::{SECTIONS, section};

/// Larger files are refused: no entry needs this much, and rendering cost grows with size.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One page of the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub section: &'static str,
    pub slug: String,
    pub path: PathBuf,
    pub front: FrontMatter,
    /// The Markdown after the front matter (what the Brain chunks).
    pub markdown: String,
    pub rendered: Rendered,
}

impl Entry {
    /// `section/slug`: unique within the library.
    pub fn key(&self) -> String {
        format!("{}/{}", self.section, self.slug)
    }

    pub fn url(&self) -> String {
        format!("/resources/{}/{}", self.section, self.slug)
    }
}

/// Why one file did not become an entry (or where it is suspicious).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("file is {size} bytes, over the {max}-byte limit; split it into several entries")]
    TooLarge { size: u64, max: u64 },
    #[error("not valid UTF-8 (first bad byte at offset {offset}); save the file as UTF-8")]
    NotUtf8 { offset: usize },
    #[error(transparent)]
    FrontMatter(#[from] FrontMatterError),
    #[error(
        "file name {0:?} is not a slug: use lowercase letters, digits and hyphens, ending in .md"
    )]
    BadFileName(String),
    #[error("duplicate slug: {other} already defines /resources/{key}")]
    DuplicateSlug { key: String, other: String },
    #[error("directory {0:?} is not a section (sections: {sections}); its files are not shown", sections = section_list())]
    UnknownSection(String),
}

fn section_list() -> String {
    SECTIONS
        .iter()
        .map(|s| s.slug)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem tied to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub error: LoadError,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.error),
            None => write!(f, "{}: {}", self.path.display(), self.error),
        }
    }
}

/// Everything loaded from the content roots.
#[derive(Debug, Default)]
pub struct Library {
    entries: BTreeMap<(&'static str, String), Arc<Entry>>,
    pub problems: Vec<Problem>,
    /// Files looked at, including the ones that failed.
    pub files_seen: usize,
    highlight: bool,
}

impl Library {
    /// Loads every root in order; a slug defined twice keeps the first.
    pub fn load(roots: &[PathBuf]) -> Library {
        Self::load_with(roots, true)
    }

    /// As [`Library::load`], optionally without syntax highlighting (for the health check).
    pub fn load_with(roots: &[PathBuf], highlight: bool) -> Library {
        let mut lib = Library {
            highlight,
            ..Library::default()
        };
        for root in roots {
            lib.load_root(root);
        }
        lib
    }

    fn load_root(&mut self, root: &Path) {
        let dirs = match std::fs::read_dir(root) {
            Ok(d) => d,
            Err(err) => {
                self.problems.push(Problem {
                    path: root.to_path_buf(),
                    line: None,
                    error: LoadError::Io(format!(
                        "{err}; set content.dir to the folder holding the section folders"
                    )),
                });
                return;
            }
        };
        let mut names: Vec<_> = dirs.filter_map(Result::ok).map(|d| d.path()).collect();
        names.sort();
        for dir in names {
            if !dir.is_dir() {
                continue;
            }
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            match section(&name) {
                Some(s) => self.load_section(s.slug, &dir),
                None => self.problems.push(Problem {
                    path: dir.clone(),
                    line: None,
                    error: LoadError::UnknownSection(name),
                }),
            }
        }
    }

    fn load_section(&mut self, section: &'static str, dir: &Path) {
        let Ok(files) = std::fs::read_dir(dir) else {
            self.problems.push(Problem {
                path: dir.to_path_buf(),
                line: None,
                error: LoadError::Io("cannot list the folder".into()),
            });
            return;
        };
        let mut paths: Vec<_> = files
            .filter_map(Result::ok)
            .map(|f| f.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md") && p.is_file())
            .collect();
        paths.sort();
        self.files_seen += paths.len();
        let highlight = self.highlight;
        // Rendering (highlighting above all) is the cost: spread the files over the cores.
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8);
        let chunk = paths.len().div_ceil(workers).max(1);
        let loaded: Vec<(PathBuf, EntryResult)> = std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| (p.clone(), load_entry_with(section, p, highlight)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (path, result) in loaded {
            match result {
                Ok(entry) => {
                    let key = (section, entry.slug.clone());
                    if let Some(other) = self.entries.get(&key) {
                        self.problems.push(Problem {
                            path: path.clone(),
                            line: None,
                            error: LoadError::DuplicateSlug {
                                key: entry.key(),
                                other: other.path.display().to_string(),
                            },
                        });
                    } else {
                        self.entries.insert(key, Arc::new(entry));
                    }
                }
                Err((line, error)) => self.problems.push(Problem { path, line, error }),
            }
        }
    }

    pub fn entry(&self, section: &str, slug: &str) -> Option<&Arc<Entry>> {
        let section = crate::sections::section(section)?.slug;
        self.entries.get(&(section, slug.to_string()))
    }

    /// A section's entries, by title.
    pub fn section_entries(&self, section: &str) -> Vec<&Arc<Entry>> {
        let mut list: Vec<_> = self
            .entries
            .values()
            .filter(|e| e.section == section)
            .collect();
        list.sort_by_key(|e| e.front.title.to_lowercase());
        list
    }

    pub fn entries(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// An entry, or why not (with the line, when one is known).
pub type EntryResult = Result<Entry, (Option<usize>, LoadError)>;

/// Reads and renders one file.
pub fn load_entry(section: &'static str, path: &Path) -> EntryResult {
    load_entry_with(section, path, true)
}

fn load_entry_with(section: &'static str, path: &Path, highlight: bool) -> EntryResult {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_slug(&stem) {
        return Err((
            None,
            LoadError::BadFileName(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
        ));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| (None, LoadError::Io(e.to_string())))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err((
            None,
            LoadError::TooLarge {
                size,
                max: MAX_FILE_BYTES,
            },
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| (None, LoadError::Io(e.to_string())))?;
    parse_entry_with(section, stem, path, &bytes, highlight)
}

/// Parses one file's bytes: the part of loading that needs no file system.
pub fn parse_entry(section: &'static str, slug: String, path: &Path, bytes: &[u8]) -> EntryResult {
    parse_entry_with(section, slug, path, bytes, true)
}

fn parse_entry_with(
    section: &'static str,
    slug: String,
    path: &Path,
    bytes: &[u8],
    highlight: bool,
) -> EntryResult {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err((
            None,
            LoadError::TooLarge {
                size: bytes.len() as u64,
                max: MAX_FILE_BYTES,
            },
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        (Some(line), LoadError::NotUtf8 { offset })
    })?;
    let parsed = front_matter::parse(text).map_err(|e| {
        let line = match &e {
            FrontMatterError::Yaml { line, .. } => Some(*line),
            _ => Some(1),
        };
        (line, LoadError::FrontMatter(e))
    })?;
    let rendered = render_with(parsed.body, parsed.body_line, highlight);
    Ok(Entry {
        section,
        slug,
        path: path.to_path_buf(),
        front: parsed.front,
        markdown: parsed.body.to_string(),
        rendered,
    })
}

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}
