//! The embedded store shared with the Brain: one SQLite file (WAL) holding documents and
//! their full-text index. Resources writes source `resources` and searches it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use crate::library::Library;
use crate::migrations;

pub const SOURCE: &str = "resources";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {path}: {source}; check server.data_dir is writable")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("store query failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

pub struct Store {
    conn: Mutex<Connection>,
}

/// What an index run changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
}

impl Store {
    /// Opens (creating) the store at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let wrap = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| wrap(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        }
        let conn = Connection::open(path).map_err(wrap)?;
        Self::setup(conn).map_err(wrap)
    }

    /// A private in-memory store, for tests and benchmarks.
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        Ok(Self::setup(conn)?)
    }

    fn setup(mut conn: Connection) -> rusqlite::Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(f(&mut conn)?)
    }

    /// Makes the `resources` documents equal to `lib`: only changed entries are rewritten,
    /// so ids stay stable for the Brain's chunks.
    pub fn index(&self, lib: &Library) -> Result<IndexStats, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let mut stats = IndexStats::default();
            let mut existing: HashMap<String, (i64, String)> = HashMap::new();
            {
                let mut stmt = tx.prepare("SELECT id, key, title || char(0) || summary || char(0) || tags || char(0) || updated || char(0) || markdown FROM documents WHERE source = ?1")?;
                let rows = stmt.query_map([SOURCE], |r| Ok((r.get::<_, String>(1)?, (r.get::<_, i64>(0)?, r.get::<_, String>(2)?))))?;
                for row in rows {
                    let (k, v) = row?;
                    existing.insert(k, v);
                }
            }
            for entry in lib.entries() {
                let key = entry.key();
                let tags = entry.front.tags.join(" ");
                let fingerprint = format!(
                    "{}\0{}\0{}\0{}\0{}",
                    entry.front.title, entry.front.summary, tags, entry.front.updated, entry.markdown
                );
                let id = match existing.remove(&key) {
                    Some((_, old)) if old == fingerprint => {
                        stats.unchanged += 1;
                        continue;
                    }
                    Some((id, _)) => {
                        tx.execute(
                            "UPDATE documents SET url=?2, title=?3, summary=?4, tags=?5, updated=?6, markdown=?7 WHERE id=?1",
                            params![id, entry.url(), entry.front.title, entry.front.summary, tags, entry.front.updated, entry.markdown],
                        )?;
                        tx.execute("DELETE FROM documents_fts WHERE rowid = ?1", [id])?;
                        stats.updated += 1;
                        id
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO documents (source, key, url, title, summary, tags, updated, markdown) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                            params![SOURCE, key, entry.url(), entry.front.title, entry.front.summary, tags, entry.front.updated, entry.markdown],
                        )?;
                        stats.added += 1;
                        tx.last_insert_rowid()
                    }
                };
                let r = &entry.rendered;
                let code: Vec<&str> = r.code_blocks.iter().map(|b| b.code.as_str()).collect();
                tx.execute(
                    "INSERT INTO documents_fts (rowid, title, headings, body, code, tags) VALUES (?1,?2,?3,?4,?5,?6)",
                    params![id, entry.front.title, r.headings.join("\n"), format!("{}\n{}", entry.front.summary, r.text), code.join("\n"), tags],
                )?;
            }
            for (id, _) in existing.into_values() {
                tx.execute("DELETE FROM documents_fts WHERE rowid = ?1", [id])?;
                tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
                stats.removed += 1;
            }
            tx.commit()?;
            Ok(stats)
        })
    }

    pub fn document_count(&self) -> Result<usize, StoreError> {
        self.with_conn(|c| {
            c.query_row(
                "SELECT count(*) FROM documents WHERE source = ?1",
                [SOURCE],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.try_into().unwrap_or(0))
        })
    }

    /// The schema version, for diagnostics.
    pub fn schema_version(&self) -> Result<Option<i64>, StoreError> {
        self.with_conn(|c| {
            c.query_row("PRAGMA user_version", [], |r| r.get(0))
                .optional()
        })
    }
}
