//! The first step of a run, in one transaction: make the Brain's documents and chunks equal
//! to the sources (only changed documents are re-chunked), then list the chunks whose
//! vectors the target generation lacks.

use crate::vectors::VectorFormat;
use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use crate::chunk::{self, PATH_SEP};
use crate::schema;
use crate::sources::{Problem, SourceDoc};
use crate::vectors::split_hashes;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncStats {
    pub chunks_total: usize,
    pub chunks_added: usize,
    pub chunks_removed: usize,
}

/// A chunk that needs a vector: its key and the text the model embeds.
#[derive(Debug, Clone)]
pub struct Todo {
    pub hash: [u8; 16],
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub id: i64,
    pub dims: usize,
    /// The format its vectors are stored in: set when it is created, kept for its life, so
    /// a changed `vector_format` never mixes widths in one generation.
    pub format: VectorFormat,
}

fn doc_hash(d: &SourceDoc) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(chunk::CHUNKER_VERSION.to_le_bytes());
    for part in [&d.title, &d.url, &d.markdown] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize()[..16].to_vec()
}

fn delete_doc_chunks(tx: &Transaction<'_>, doc: i64) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM brain_fts WHERE rowid IN (SELECT id FROM brain_chunks WHERE doc = ?1)",
        [doc],
    )?;
    tx.execute("DELETE FROM brain_chunks WHERE doc = ?1", [doc])
}

/// Drops the Brain's text index and the vectors of `model`'s generations, for `rebuild`.
pub fn clear(conn: &mut Connection, model: Option<&str>) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "DELETE FROM brain_fts; DELETE FROM brain_chunks; DELETE FROM brain_documents;
         DELETE FROM brain_failed;",
    )?;
    if let Some(model) = model {
        tx.execute(
            "DELETE FROM brain_vectors WHERE generation IN (SELECT id FROM brain_generations WHERE model = ?1)",
            [model],
        )?;
        tx.execute("DELETE FROM brain_generations WHERE model = ?1", [model])?;
    }
    schema::bump_epoch(&tx)?;
    tx.commit()
}

/// Makes the Brain's documents and chunks equal to `docs`, in one transaction; the
/// documents of the `keep` sources (whose folder could not be read) stay as they are.
pub fn sync(
    conn: &mut Connection,
    docs: &[SourceDoc],
    problems: &[Problem],
    keep: &[String],
) -> rusqlite::Result<SyncStats> {
    let tx = conn.transaction()?;
    let mut stats = SyncStats::default();
    let mut existing: HashMap<(String, String), (i64, Vec<u8>)> = HashMap::new();
    {
        let mut stmt = tx.prepare("SELECT id, source, key, hash FROM brain_documents")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            existing.insert((r.get(1)?, r.get(2)?), (r.get(0)?, r.get(3)?));
        }
    }
    {
        let mut insert_doc = tx.prepare(
            "INSERT INTO brain_documents (source, key, url, title, hash, markdown) VALUES (?1,?2,?3,?4,?5,?6)",
        )?;
        let mut update_doc = tx.prepare(
            "UPDATE brain_documents SET url=?2, title=?3, hash=?4, markdown=?5 WHERE id=?1",
        )?;
        let mut insert_chunk = tx.prepare(
            "INSERT INTO brain_chunks (doc, ord, hash, start, len, heading, anchor) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        )?;
        let mut insert_fts =
            tx.prepare("INSERT INTO brain_fts (rowid, heading, body) VALUES (?1, ?2, ?3)")?;
        let mut seen = HashSet::new();
        for d in docs {
            if !seen.insert((d.source.as_str(), d.key.as_str())) {
                continue;
            }
            let hash = doc_hash(d);
            let id = match existing.remove(&(d.source.clone(), d.key.clone())) {
                Some((_, old)) if old == hash => continue,
                Some((id, _)) => {
                    stats.chunks_removed += delete_doc_chunks(&tx, id)?;
                    update_doc.execute(params![id, d.url, d.title, hash, d.markdown])?;
                    id
                }
                None => {
                    insert_doc
                        .execute(params![d.source, d.key, d.url, d.title, hash, d.markdown])?;
                    tx.last_insert_rowid()
                }
            };
            for (ord, c) in chunk::chunk(&d.markdown).into_iter().enumerate() {
                let body = &d.markdown[c.range.clone()];
                let h = chunk::chunk_hash(&chunk::embed_text(&d.title, &c.heading, body));
                insert_chunk.execute(params![
                    id,
                    ord as i64,
                    h.as_slice(),
                    c.range.start as i64,
                    c.range.len() as i64,
                    c.heading,
                    c.anchor
                ])?;
                let chunk_id = tx.last_insert_rowid();
                let heading = if c.heading.is_empty() {
                    d.title.clone()
                } else {
                    format!("{}{PATH_SEP}{}", d.title, c.heading)
                };
                insert_fts.execute(params![chunk_id, heading, body])?;
                stats.chunks_added += 1;
            }
        }
    }
    for ((source, _), (id, _)) in existing {
        if keep.contains(&source) {
            continue;
        }
        stats.chunks_removed += delete_doc_chunks(&tx, id)?;
        tx.execute("DELETE FROM brain_documents WHERE id = ?1", [id])?;
    }
    tx.execute("DELETE FROM brain_problems", [])?;
    for p in problems {
        tx.execute(
            "INSERT INTO brain_problems (source, path, problem) VALUES (?1, ?2, ?3)",
            params![p.source, p.path, p.problem],
        )?;
    }
    stats.chunks_total = tx.query_row("SELECT count(*) FROM brain_chunks", [], |r| {
        r.get::<_, i64>(0)
    })? as usize;
    if stats.chunks_added > 0 || stats.chunks_removed > 0 {
        schema::bump_epoch(&tx)?;
    }
    tx.commit()?;
    Ok(stats)
}

/// The newest generation of `model`, of any dimension.
pub fn generation_for(conn: &Connection, model: &str) -> rusqlite::Result<Option<Generation>> {
    conn.query_row(
        "SELECT id, dims, format FROM brain_generations WHERE model = ?1 ORDER BY id DESC LIMIT 1",
        [model],
        |r| {
            Ok(Generation {
                id: r.get(0)?,
                dims: r.get::<_, i64>(1)? as usize,
                format: VectorFormat::parse(&r.get::<_, String>(2)?),
            })
        },
    )
    .optional()
}

pub fn get_or_create_generation(
    conn: &Connection,
    model: &str,
    dims: usize,
    format: &str,
) -> rusqlite::Result<Generation> {
    conn.execute(
        "INSERT INTO brain_generations (model, dims, format) VALUES (?1, ?2, ?3)
         ON CONFLICT(model, dims) DO NOTHING",
        params![model, dims as i64, format],
    )?;
    let (id, stored): (i64, String) = conn.query_row(
        "SELECT id, format FROM brain_generations WHERE model = ?1 AND dims = ?2",
        params![model, dims as i64],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Generation {
        id,
        dims,
        format: VectorFormat::parse(&stored),
    })
}

/// Every chunk key that has a vector in `genr`.
pub fn embedded(conn: &Connection, genr: i64) -> rusqlite::Result<HashSet<[u8; 16]>> {
    let mut out = HashSet::new();
    let mut stmt = conn.prepare("SELECT hashes FROM brain_vectors WHERE generation = ?1")?;
    let mut rows = stmt.query([genr])?;
    while let Some(r) = rows.next()? {
        out.extend(split_hashes(r.get_ref(0)?.as_blob()?));
    }
    Ok(out)
}

/// Live chunk keys, each once.
pub fn live_hashes(conn: &Connection) -> rusqlite::Result<HashSet<[u8; 16]>> {
    let mut out = HashSet::new();
    let mut stmt = conn.prepare("SELECT hash FROM brain_chunks")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.extend(split_hashes(r.get_ref(0)?.as_blob()?));
    }
    Ok(out)
}

/// The chunks `genr` has no vector for (all of them without a generation), in document
/// order, each key once, with the text to embed.
pub fn todo(conn: &Connection, genr: Option<i64>) -> rusqlite::Result<Vec<Todo>> {
    let have = match genr {
        Some(g) => embedded(conn, g)?,
        None => HashSet::new(),
    };
    let mut wanted: Vec<(i64, [u8; 16], usize, usize, String)> = Vec::new();
    let mut seen = HashSet::new();
    {
        let mut stmt = conn
            .prepare("SELECT doc, hash, start, len, heading FROM brain_chunks ORDER BY doc, ord")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(h) = split_hashes(r.get_ref(1)?.as_blob()?).next() else {
                continue;
            };
            if have.contains(&h) || !seen.insert(h) {
                continue;
            }
            wanted.push((
                r.get(0)?,
                h,
                r.get::<_, i64>(2)? as usize,
                r.get::<_, i64>(3)? as usize,
                r.get(4)?,
            ));
        }
    }
    let mut out = Vec::with_capacity(wanted.len());
    let mut stmt = conn.prepare("SELECT title, markdown FROM brain_documents WHERE id = ?1")?;
    let mut current: Option<(i64, String, String)> = None;
    for (doc, hash, start, len, heading) in wanted {
        if current.as_ref().is_none_or(|(id, _, _)| *id != doc) {
            let (title, md): (String, String) =
                stmt.query_row([doc], |r| Ok((r.get(0)?, r.get(1)?)))?;
            current = Some((doc, title, md));
        }
        let Some((_, title, md)) = current.as_ref() else {
            continue;
        };
        let body = md.get(start..start + len).unwrap_or("");
        out.push(Todo {
            hash,
            text: chunk::embed_text(title, &heading, body),
        });
    }
    Ok(out)
}
