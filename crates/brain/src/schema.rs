//! The Brain's tables in the shared store, all prefixed `brain_`. Versioned in `brain_meta`
//! (not the shared `user_version`) so the Brain's steps never collide with other modules'.
//!
//! Text is stored once: the document's Markdown in `brain_documents`; a chunk is a byte
//! range of it, and the full-text index is contentless. Vectors are stored one row per
//! committed batch (`brain_vectors`), so a row spans overflow pages that SQLite fills
//! completely instead of one 3 KB vector per 4 KB page.

use rusqlite::{Connection, OptionalExtension};

const STEPS: &[&str] = &[r"
    CREATE TABLE brain_documents (
        id        INTEGER PRIMARY KEY,
        source    TEXT NOT NULL,
        key       TEXT NOT NULL,
        url       TEXT NOT NULL,
        title     TEXT NOT NULL,
        hash      BLOB NOT NULL,
        markdown  TEXT NOT NULL,
        UNIQUE (source, key)
    );
    CREATE TABLE brain_chunks (
        id       INTEGER PRIMARY KEY,
        doc      INTEGER NOT NULL REFERENCES brain_documents(id),
        ord      INTEGER NOT NULL,
        hash     BLOB NOT NULL,
        start    INTEGER NOT NULL,
        len      INTEGER NOT NULL,
        heading  TEXT NOT NULL,
        anchor   TEXT NOT NULL,
        UNIQUE (doc, ord)
    );
    CREATE INDEX brain_chunks_hash ON brain_chunks(hash);
    CREATE VIRTUAL TABLE brain_fts USING fts5(
        heading, body,
        content = '', contentless_delete = 1,
        tokenize = 'porter unicode61'
    );
    CREATE TABLE brain_generations (
        id        INTEGER PRIMARY KEY,
        model     TEXT NOT NULL,
        dims      INTEGER NOT NULL,
        format    TEXT NOT NULL,
        complete  INTEGER NOT NULL DEFAULT 0,
        created   TEXT NOT NULL DEFAULT (datetime('now')),
        UNIQUE (model, dims)
    );
    CREATE TABLE brain_vectors (
        id       INTEGER PRIMARY KEY,
        generation INTEGER NOT NULL REFERENCES brain_generations(id),
        n        INTEGER NOT NULL,
        hashes   BLOB NOT NULL,
        vectors  BLOB NOT NULL
    );
    CREATE INDEX brain_vectors_gen ON brain_vectors(generation);
    CREATE TABLE brain_failed (
        id       INTEGER PRIMARY KEY,
        run      INTEGER NOT NULL,
        model    TEXT NOT NULL,
        inputs   INTEGER NOT NULL,
        error    TEXT NOT NULL,
        at       TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE brain_runs (
        id        INTEGER PRIMARY KEY,
        started   TEXT NOT NULL DEFAULT (datetime('now')),
        finished  TEXT,
        outcome   TEXT NOT NULL DEFAULT 'running',
        chunks    INTEGER NOT NULL DEFAULT 0,
        embedded  INTEGER NOT NULL DEFAULT 0,
        failed    INTEGER NOT NULL DEFAULT 0,
        message   TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE brain_problems (
        source   TEXT NOT NULL,
        path     TEXT NOT NULL,
        problem  TEXT NOT NULL
    );
    "];

/// Creates or updates the Brain's tables; also the shared `documents` table it reads.
/// Two processes opening a new file at once (the server and the CLI) can race on a step:
/// the loser's step fails because the winner's tables exist; a second look sees them.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let mut attempt = 0;
    loop {
        match migrate_once(conn) {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => {
                tracing::debug!(error = %e, "store migration raced; looking again");
                std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

fn migrate_once(conn: &mut Connection) -> rusqlite::Result<()> {
    workbench_content::migrations::migrate(conn)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS brain_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    )?;
    let current: i64 = conn
        .query_row(
            "SELECT value FROM brain_meta WHERE key = 'schema'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    for (i, step) in STEPS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.execute(
            "INSERT INTO brain_meta (key, value) VALUES ('schema', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(i + 1) as i64],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// Every commit that changes what retrieval sees bumps this, so readers in this or another
/// process (the CLI beside the server) know their in-memory vectors are stale.
pub fn bump_epoch(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO brain_meta (key, value) VALUES ('epoch', 1)
         ON CONFLICT(key) DO UPDATE SET value = value + 1",
        [],
    )?;
    Ok(())
}

pub fn epoch(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row(
            "SELECT value FROM brain_meta WHERE key = 'epoch'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}
