//! `[content]`: where the Resources library's Markdown lives.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContentConfig {
    /// The library's root: one folder per section (`cheatsheets/`, `kubernetes/`, …).
    pub dir: PathBuf,
    /// More roots laid out the same way, loaded after `dir` (your own pages).
    #[serde(deserialize_with = "paths_or_csv")]
    pub extra_dirs: Vec<PathBuf>,
    /// Reload pages and the search index when files change.
    pub watch: bool,
}

impl Default for ContentConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("content/resources"),
            extra_dirs: Vec::new(),
            watch: true,
        }
    }
}

impl ContentConfig {
    /// Every root, `dir` first.
    pub fn roots(&self) -> Vec<PathBuf> {
        std::iter::once(self.dir.clone())
            .chain(self.extra_dirs.iter().cloned())
            .collect()
    }
}

pub(crate) fn paths_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum PathsOrCsv {
        List(Vec<PathBuf>),
        Csv(String),
    }
    Ok(match PathsOrCsv::deserialize(d)? {
        PathsOrCsv::List(items) => items,
        PathsOrCsv::Csv(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect(),
    })
}
