//! The audit log: every service action (who, what, when, result) in SQLite, read back for the
//! page and exported as CSV or JSON.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, params};
use workbench_services_api::AuditEntry;

/// At most this many rows in one read or export.
pub const MAX_ROWS: usize = 10_000;

#[derive(Clone)]
pub struct AuditLog {
    conn: Arc<Mutex<Connection>>,
}

/// One action to record.
pub struct Record<'a> {
    pub who: &'a str,
    pub host: &'a str,
    pub container: &'a str,
    pub target: &'a str,
    pub action: &'a str,
    pub result: &'a str,
    pub detail: &'a str,
}

impl AuditLog {
    /// Opens (creating when missing) `DIR/audit.sqlite`.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let conn = crate::sqlite::open(&data_dir.join("audit.sqlite"), "the audit log")?;
        Self::init(conn)
    }

    pub fn in_memory() -> anyhow::Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> anyhow::Result<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS audit (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 at_ms INTEGER NOT NULL,
                 who TEXT NOT NULL,
                 host TEXT NOT NULL,
                 container TEXT NOT NULL,
                 target TEXT NOT NULL,
                 action TEXT NOT NULL,
                 result TEXT NOT NULL,
                 detail TEXT NOT NULL
             );",
        )
        .context("creating the audit table")?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub async fn record(&self, r: Record<'_>) -> anyhow::Result<()> {
        let conn = self.conn.clone();
        let row = (
            crate::sqlite::now_ms(),
            clip(r.who),
            clip(r.host),
            clip(r.container),
            clip(r.target),
            clip(r.action),
            clip(r.result),
            clip(r.detail),
        );
        tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| anyhow::anyhow!("audit log lock poisoned"))?;
            conn.execute(
                "INSERT INTO audit (at_ms, who, host, container, target, action, result, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7],
            )?;
            Ok(())
        })
        .await?
    }

    /// Newest first.
    pub async fn recent(&self, limit: usize) -> anyhow::Result<Vec<AuditEntry>> {
        let conn = self.conn.clone();
        let limit = limit.clamp(1, MAX_ROWS) as i64;
        tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| anyhow::anyhow!("audit log lock poisoned"))?;
            let mut stmt = conn.prepare(
                "SELECT id, at_ms, who, host, container, target, action, result, detail
                 FROM audit ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([limit], |row| {
                    Ok(AuditEntry {
                        id: row.get(0)?,
                        at: rfc3339(row.get(1)?),
                        who: row.get(2)?,
                        host: row.get(3)?,
                        container: row.get(4)?,
                        target: row.get(5)?,
                        action: row.get(6)?,
                        result: row.get(7)?,
                        detail: row.get(8)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?
    }
}

/// CSV with a header row; cells that a spreadsheet would run as a formula are quoted inert.
pub fn to_csv(entries: &[AuditEntry]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "at",
        "who",
        "host",
        "container",
        "target",
        "action",
        "result",
        "detail",
    ])?;
    for e in entries {
        let id = e.id.to_string();
        let cells = [
            &id,
            &e.at,
            &e.who,
            &e.host,
            &e.container,
            &e.target,
            &e.action,
            &e.result,
            &e.detail,
        ];
        w.write_record(cells.iter().map(|c| defuse(c)))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn clip(s: &str) -> String {
    s.chars().take(500).collect()
}

/// `2026-11-25T21:30:05.123Z` from Unix milliseconds (civil-from-days, proleptic Gregorian).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_642_205_123), "2026-11-25T21:30:05.123Z");
    }

    #[tokio::test]
    async fn records_and_exports() {
        let log = AuditLog::in_memory().expect("open");
        for (who, result) in [
            ("a@example.com", "ok"),
            ("=cmd|' /C calc'!A0", "container_paused"),
        ] {
            log.record(Record {
                who,
                host: "local",
                container: "wbfx-argonaut",
                target: "daemon",
                action: "down",
                result,
                detail: "line, with \"quotes\"\nand newline",
            })
            .await
            .expect("record");
        }
        let rows = log.recent(10).await.expect("read");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].result, "container_paused", "newest first");
        let csv = to_csv(&rows).expect("csv");
        assert!(csv.starts_with("id,at,who,"));
        assert!(csv.contains("'=cmd"), "formula defused: {csv}");
        assert!(
            csv.contains("\"line, with \"\"quotes\"\"\nand newline\""),
            "{csv}"
        );
        let big = "x".repeat(5000);
        log.record(Record {
            who: &big,
            host: "h",
            container: "c",
            target: "t",
            action: "up",
            result: "ok",
            detail: "",
        })
        .await
        .expect("record");
        assert_eq!(log.recent(1).await.expect("read")[0].who.len(), 500);
    }
}
