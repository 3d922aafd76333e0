//! What the server's own SQLite tables (the audit log, the Brain's conversations) share:
//! opening a file under `server.data_dir`, and the clock their rows are stamped with.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use rusqlite::Connection;

/// Opens (creating it and its folder when missing) the SQLite file at `path`; errors name
/// `what` and the key to check.
pub fn open(path: &Path, what: &str) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create server.data_dir {}; create it or point server.data_dir elsewhere",
                dir.display()
            )
        })?;
    }
    Connection::open(path).with_context(|| {
        format!(
            "cannot open {what} {}; check server.data_dir",
            path.display()
        )
    })
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
