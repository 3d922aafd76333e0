//! Retrieval: BM25 over the chunks (FTS5, the question turned into a safe expression) and
//! cosine similarity over the searched generation's vectors, fused by reciprocal rank.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::vectors::{Matrix, VectorFormat, normalise};
use crate::{Brain, BrainError, Db, Passage, Retrieval, RetrievalMode, schema};

/// Reciprocal rank fusion's constant, as in Cormack et al.
const RRF_K: f32 = 60.0;
/// Each ranking contributes this many candidates to the fusion.
const CANDIDATES: usize = 50;
const MAX_TERMS: usize = 32;
const MAX_TERM_CHARS: usize = 64;
/// Below this many chunks every term is ranked, however common.
const COMMON_FLOOR: i64 = 500;
/// A stale matrix is reloaded at most this often while an index run commits batches.
const RELOAD_EVERY: Duration = Duration::from_secs(10);

/// Words that match nearly every chunk: they cost the most to rank and weigh nothing in
/// BM25 (its IDF is about zero for a term in half the chunks).
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "i", "if", "in", "is", "it", "my", "of", "on", "or", "so", "that", "the", "this", "to", "what",
    "when", "where", "which", "who", "why", "with", "you", "your",
];

/// The question's words, lower-cased, each once, at most `MAX_TERMS`, stop words dropped
/// unless nothing else is left.
pub fn terms(question: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w: String = word
            .chars()
            .take(MAX_TERM_CHARS)
            .flat_map(char::to_lowercase)
            .collect();
        if !terms.contains(&w) {
            terms.push(w);
        }
        if terms.len() >= MAX_TERMS * 4 {
            break;
        }
    }
    let content: Vec<String> = terms
        .iter()
        .filter(|t| !STOP_WORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    let mut out = if content.is_empty() { terms } else { content };
    out.truncate(MAX_TERMS);
    out
}

/// Terms as an FTS5 expression that cannot be a syntax error: each quoted (so `AND`,
/// `NEAR`, `*`, `"` are plain text), joined by `op`.
fn expression(terms: &[String], op: &str) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    Some(
        terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(op),
    )
}

/// The question as a safe FTS5 expression, every term OR-ed.
#[cfg(test)]
pub fn fts_query(question: &str) -> Option<String> {
    expression(&terms(question), " OR ")
}

/// BM25 over the chunks. Ranking costs a lookup per matching row, so terms found in more
/// than a twentieth of the chunks (low IDF, high cost) are left out of the OR, and of the
/// rest the rarest are kept while together they match at most a tenth of the chunks; when
/// every term is that common, the chunks holding all of them are ranked instead.
pub fn bm25(conn: &Connection, question: &str, n: usize) -> rusqlite::Result<Vec<(i64, f32)>> {
    let terms = terms(question);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let chunks: i64 = conn
        .prepare_cached("SELECT count(*) FROM brain_chunks")?
        .query_row([], |r| r.get(0))?;
    let cap = (chunks / 20).max(COMMON_FLOOR);
    let mut rare = Vec::new();
    let mut common = Vec::new();
    {
        let mut count = conn.prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM brain_fts WHERE brain_fts MATCH ?1 LIMIT ?2)",
        )?;
        for t in terms {
            let q = format!("\"{t}\"");
            let df: i64 = count.query_row(params![q, cap], |r| r.get(0))?;
            if df == 0 {
                continue;
            }
            if df < cap {
                rare.push((df, t));
            } else {
                common.push(t);
            }
        }
    }
    // The rarest terms first, while the rows they match stay within a budget: a long
    // question of middling words would otherwise rank most of the store.
    rare.sort_by_key(|(df, _)| *df);
    let budget = (chunks / 10).max(COMMON_FLOOR * 2);
    let mut matched = 0;
    let rare: Vec<String> = rare
        .into_iter()
        .enumerate()
        .take_while(|(i, (df, _))| {
            matched += df;
            *i == 0 || matched <= budget
        })
        .map(|(_, (_, t))| t)
        .collect();
    let expr = if !rare.is_empty() {
        expression(&rare, " OR ")
    } else {
        expression(&common, " AND ")
    };
    let Some(q) = expr else {
        return Ok(Vec::new());
    };
    // Headings say what a chunk is about: a match there counts double.
    let mut stmt = conn.prepare_cached(
        "SELECT rowid, bm25(brain_fts, 2.0, 1.0) AS s FROM brain_fts WHERE brain_fts MATCH ?1 ORDER BY s LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![q, n as i64], |r| {
        Ok((r.get::<_, i64>(0)?, -(r.get::<_, f64>(1)? as f32)))
    })?;
    rows.collect()
}

/// Reciprocal rank fusion of rankings (best first).
pub fn fuse(rankings: &[Vec<(i64, f32)>]) -> Vec<(i64, f32)> {
    let mut scores: HashMap<i64, f32> = HashMap::new();
    let mut first_seen: HashMap<i64, usize> = HashMap::new();
    for ranking in rankings {
        for (rank, (id, _)) in ranking.iter().enumerate() {
            *scores.entry(*id).or_default() += 1.0 / (RRF_K + rank as f32 + 1.0);
            let n = first_seen.len();
            first_seen.entry(*id).or_insert(n);
        }
    }
    let mut out: Vec<(i64, f32)> = scores.into_iter().collect();
    out.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| first_seen[&a.0].cmp(&first_seen[&b.0]))
    });
    out
}

pub fn passages(conn: &Connection, ranked: &[(i64, f32)]) -> rusqlite::Result<Vec<Passage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.source, d.title, c.heading, d.url, c.anchor,
                substr(CAST(d.markdown AS BLOB), c.start + 1, c.len)
         FROM brain_chunks c JOIN brain_documents d ON d.id = c.doc WHERE c.id = ?1",
    )?;
    let mut out = Vec::with_capacity(ranked.len());
    for (id, score) in ranked {
        let row = stmt
            .query_row([id], |r| {
                let anchor: String = r.get(4)?;
                let url: String = r.get(3)?;
                let bytes: Vec<u8> = r.get(5)?;
                Ok(Passage {
                    chunk_id: *id,
                    source: r.get(0)?,
                    title: r.get(1)?,
                    heading: r.get(2)?,
                    url: if anchor.is_empty() {
                        url
                    } else {
                        format!("{url}#{anchor}")
                    },
                    text: String::from_utf8_lossy(&bytes).trim().to_string(),
                    score: *score,
                })
            })
            .optional()?;
        // A chunk deleted since the ranking was made is skipped.
        out.extend(row);
    }
    Ok(out)
}

/// The generation searches use for `model` at `dims`: its newest complete one, else the one
/// being built (partial vectors still help).
pub fn search_generation(
    conn: &Connection,
    model: &str,
    dims: usize,
) -> rusqlite::Result<Option<(i64, VectorFormat)>> {
    conn.query_row(
        "SELECT id, format FROM brain_generations WHERE model = ?1 AND dims = ?2
         ORDER BY complete DESC, id DESC LIMIT 1",
        params![model, dims as i64],
        |r| Ok((r.get(0)?, VectorFormat::parse(&r.get::<_, String>(1)?))),
    )
    .optional()
}

/// The dimension of `model`'s newest generation, to explain a mismatch.
fn other_dims(conn: &Connection, model: &str) -> rusqlite::Result<Option<usize>> {
    conn.query_row(
        "SELECT dims FROM brain_generations WHERE model = ?1 ORDER BY complete DESC, id DESC LIMIT 1",
        [model],
        |r| Ok(r.get::<_, i64>(0)? as usize),
    )
    .optional()
}

impl Db {
    /// The in-memory matrix for `model`, reloaded when the store changed under it.
    pub(crate) fn matrix(
        &self,
        conn: &Connection,
        model: &str,
        dims: usize,
    ) -> rusqlite::Result<Option<Arc<Matrix>>> {
        let Some((genr, format)) = search_generation(conn, model, dims)? else {
            return Ok(None);
        };
        let epoch = schema::epoch(conn)?;
        let mut cache = self
            .matrix
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(m) = cache.as_ref()
            && m.genr == genr
            && m.model == model
            && (m.epoch == epoch || m.built.elapsed() < RELOAD_EVERY)
        {
            return Ok(Some(m.clone()));
        }
        let m = Arc::new(Matrix::load(
            conn,
            epoch,
            genr,
            model.to_string(),
            dims,
            format,
        )?);
        *cache = Some(m.clone());
        Ok(Some(m))
    }
}

impl Brain {
    pub(crate) async fn retrieve_impl(
        &self,
        query: &str,
        k: usize,
    ) -> Result<Retrieval, BrainError> {
        let k = k.clamp(1, 100);
        let query_vec: Result<Vec<f32>, String> = match &self.embedder {
            None => Err(
                "no embedding model is configured (set brain.ollama_url); searching by keywords only"
                    .into(),
            ),
            Some(e) => {
                let input = [query.to_string()];
                match tokio::time::timeout(self.options.query_timeout, e.embed(&input)).await {
                    Ok(Ok(mut v)) if v.len() == 1 && !v[0].is_empty() && v[0].iter().all(|x| x.is_finite()) => {
                        let mut q = v.swap_remove(0);
                        normalise(&mut q);
                        Ok(q)
                    }
                    Ok(Ok(_)) => Err("the embedding model returned no usable vector for the question; searching by keywords only".into()),
                    Ok(Err(err)) => Err(format!("{err}; searching by keywords only")),
                    Err(_) => Err(format!(
                        "the embedding model did not answer within {:.1} s; searching by keywords only",
                        self.options.query_timeout.as_secs_f64()
                    )),
                }
            }
        };
        let model = self.embedder.as_ref().map(|e| e.model().to_string());
        let db = self.db.clone();
        let query = query.to_string();
        tokio::task::spawn_blocking(move || {
            db.read(|conn| {
                let keyword = bm25(conn, &query, CANDIDATES)?;
                let mode_and_vector = match (query_vec, model) {
                    (Ok(q), Some(model)) => {
                        match db.matrix(conn, &model, q.len())? {
                            Some(m) if m.len() > 0 => {
                                (RetrievalMode::Hybrid, m.top(&q, CANDIDATES))
                            }
                            _ => {
                                let reason = match other_dims(conn, &model)? {
                                    Some(d) if d != q.len() => format!(
                                        "the index holds {d}-dimensional vectors but {model} now returns {}; run an index to rebuild them",
                                        q.len()
                                    ),
                                    _ => format!(
                                        "no vectors for {model} yet; run an index (Brain → Index) to search by meaning"
                                    ),
                                };
                                (RetrievalMode::KeywordOnly { reason }, Vec::new())
                            }
                        }
                    }
                    (Err(reason), _) => (RetrievalMode::KeywordOnly { reason }, Vec::new()),
                    (Ok(_), None) => unreachable_mode(),
                };
                let (mode, vector) = mode_and_vector;
                let fused = fuse(&[keyword, vector]);
                let top: Vec<(i64, f32)> = fused.into_iter().take(k).collect();
                Ok(Retrieval {
                    passages: passages(conn, &top)?,
                    mode,
                })
            })
        })
        .await
        .map_err(|e| BrainError::Store(e.to_string()))?
    }
}

/// A question vector exists only when an embedder does; kept total anyway.
fn unreachable_mode() -> (RetrievalMode, Vec<(i64, f32)>) {
    (
        RetrievalMode::KeywordOnly {
            reason: "no embedding model is configured; searching by keywords only".into(),
        },
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_questions_become_safe_expressions() {
        assert_eq!(fts_query(""), None);
        assert_eq!(fts_query("\"*()^:"), None);
        assert_eq!(
            fts_query("NEAR(a b) AND c*"),
            Some("\"near\" OR \"b\" OR \"c\"".into())
        );
        assert_eq!(fts_query("the and"), Some("\"the\" OR \"and\"".into()));
        let long = "x".repeat(10_000);
        let q = fts_query(&long).unwrap_or_default();
        assert!(q.len() < 100);
        let many = (0..5000)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            fts_query(&many).map(|q| q.matches(" OR ").count()),
            Some(MAX_TERMS - 1)
        );
    }

    #[test]
    fn fusion_rewards_agreement() {
        let a = vec![(1, 0.0), (2, 0.0), (3, 0.0)];
        let b = vec![(2, 0.0), (4, 0.0), (5, 0.0)];
        let fused = fuse(&[a, b]);
        let ids: Vec<i64> = fused.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids[0], 2);
        assert_eq!(ids.len(), 5);
    }
}
