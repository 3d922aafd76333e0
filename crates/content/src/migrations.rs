//! The shared store's schema, one step per version (`PRAGMA user_version`). Append new
//! steps; never edit a released one. The Brain adds its tables as later steps here.

use rusqlite::Connection;

const STEPS: &[&str] = &[
    // 1: documents from every source (the Resources library is source 'resources'), and
    // the full-text index over them. `documents_fts.rowid` = `documents.id`.
    r"
    CREATE TABLE documents (
        id        INTEGER PRIMARY KEY,
        source    TEXT NOT NULL,
        key       TEXT NOT NULL,
        url       TEXT NOT NULL,
        title     TEXT NOT NULL,
        summary   TEXT NOT NULL,
        tags      TEXT NOT NULL,
        updated   TEXT NOT NULL,
        markdown  TEXT NOT NULL,
        UNIQUE (source, key)
    );
    CREATE VIRTUAL TABLE documents_fts USING fts5(
        title, headings, body, code, tags,
        tokenize = 'porter unicode61'
    );
    ",
];

/// Brings the schema up to date, in one transaction per step.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?
        .try_into()
        .unwrap_or(0);
    for (i, step) in STEPS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

pub fn latest() -> usize {
    STEPS.len()
}
