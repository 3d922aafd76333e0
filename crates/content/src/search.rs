//! Ranked search over the indexed library: BM25 over title, headings, body, code and tags
//! (title weighted most), an exact title match first, snippets with the matches marked.

use rusqlite::params;
use serde::Serialize;

use crate::store::{SOURCE, Store, StoreError};

/// Queries are cut to this many characters and terms.
pub const MAX_QUERY_CHARS: usize = 200;
const MAX_TERMS: usize = 12;
const MARK_START: char = '\u{2}';
const MARK_END: char = '\u{3}';

/// Part of a snippet: `marked` parts matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fragment {
    pub text: String,
    pub marked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub key: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    pub snippet: Vec<Fragment>,
    pub score: f64,
}

/// The user's words as an FTS5 query: each term quoted (so no operator syntax gets
/// through), all required, the last one also matching as a prefix (search as you type).
pub fn fts_query(input: &str) -> Option<String> {
    let input: String = input.chars().take(MAX_QUERY_CHARS).collect();
    let terms: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| format!("\"{t}\""))
        .collect();
    if terms.is_empty() {
        return None;
    }
    let mut q = terms.join(" ");
    q.push('*');
    Some(q)
}

impl Store {
    /// The best `limit` hits for `input`; an empty or punctuation-only query finds nothing.
    pub fn search(&self, input: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        let Some(query) = fts_query(input) else {
            return Ok(Vec::new());
        };
        let exact: String = input.trim().chars().take(MAX_QUERY_CHARS).collect();
        self.with_conn(|conn| {
            // Rank first, then make snippets for the page of hits only: snippet() on every
            // match is what costs when a common word matches most of the library.
            let mut stmt = conn.prepare_cached(
                "WITH top AS (
                     SELECT d.id, bm25(documents_fts, 10.0, 4.0, 1.0, 1.0, 3.0) AS score,
                            (lower(d.title) = lower(?3)) AS exact
                     FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid
                     WHERE documents_fts MATCH ?1 AND d.source = ?2
                     ORDER BY exact DESC, score
                     LIMIT ?4)
                 SELECT d.key, d.url, d.title, d.summary,
                        snippet(documents_fts, -1, char(2), char(3), ' … ', 14), top.score
                 FROM top
                 JOIN documents d ON d.id = top.id
                 JOIN documents_fts ON documents_fts.rowid = top.id
                 WHERE documents_fts MATCH ?1
                 ORDER BY top.exact DESC, top.score",
            )?;
            let rows = stmt.query_map(params![query, SOURCE, exact, limit as i64], |r| {
                Ok(Hit {
                    key: r.get(0)?,
                    url: r.get(1)?,
                    title: r.get(2)?,
                    summary: r.get(3)?,
                    snippet: fragments(&r.get::<_, String>(4)?),
                    score: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }
}

fn fragments(snippet: &str) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut marked = false;
    let mut buf = String::new();
    for c in snippet.chars() {
        if c == MARK_START || c == MARK_END {
            if !buf.is_empty() {
                out.push(Fragment {
                    text: std::mem::take(&mut buf),
                    marked,
                });
            }
            marked = c == MARK_START;
        } else {
            buf.push(c);
        }
    }
    if !buf.is_empty() {
        out.push(Fragment { text: buf, marked });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_quoted_terms() {
        assert_eq!(
            fts_query("kubectl logs"),
            Some("\"kubectl\" \"logs\"*".into())
        );
        assert_eq!(fts_query("\"a\" OR b*"), Some("\"a\" \"OR\" \"b\"*".into()));
        assert_eq!(fts_query("  -- !! "), None);
        assert_eq!(fts_query(""), None);
    }

    proptest::proptest! {
        #[test]
        fn any_input_becomes_quoted_terms_or_nothing(s in "\\PC{0,300}") {
            if let Some(q) = fts_query(&s) {
                let bare: String = q.split('"').skip(1).step_by(2).collect::<Vec<_>>().concat();
                proptest::prop_assert!(bare.chars().all(|c| c.is_alphanumeric() || c == '_'));
                proptest::prop_assert!(q.ends_with("\"*"));
            }
        }
    }

    #[test]
    fn snippet_marks() {
        let f = fragments("a \u{2}b\u{3} c");
        assert_eq!(f.len(), 3);
        assert!(f[1].marked && f[1].text == "b");
    }
}
