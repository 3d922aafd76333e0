//! Conversations and each user's chosen model, kept in the shared store
//! (`<data_dir>/workbench.sqlite3`, tables `chat_*`). Every read and write is scoped to the
//! owner: one user never sees another's conversations.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use workbench_brain_api::{Citation, Conversation, ConversationSummary, Message, Role};

/// Newest conversations listed.
pub const LIST_LIMIT: usize = 200;
/// Earlier turns sent to the model with a new question.
pub const HISTORY_TURNS: usize = 6;
/// Longest title, in characters.
const TITLE_CHARS: usize = 80;

#[derive(Clone)]
pub struct Conversations {
    conn: Arc<Mutex<Connection>>,
}

/// An answer to store.
pub struct Answer<'a> {
    pub text: &'a str,
    pub html: &'a str,
    pub citations: &'a [Citation],
    pub model: Option<&'a str>,
    pub error: Option<&'a str>,
}

impl Conversations {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = crate::sqlite::open(path, "the conversation store")?;
        Self::init(conn)
    }

    pub fn in_memory() -> anyhow::Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> anyhow::Result<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = ON;
             CREATE TABLE IF NOT EXISTS chat_conversations (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 owner TEXT NOT NULL,
                 title TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 updated_ms INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS chat_conversations_owner
                 ON chat_conversations (owner, updated_ms DESC);
             CREATE TABLE IF NOT EXISTS chat_messages (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 conversation_id INTEGER NOT NULL
                     REFERENCES chat_conversations (id) ON DELETE CASCADE,
                 role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
                 text TEXT NOT NULL,
                 html TEXT NOT NULL,
                 citations TEXT NOT NULL,
                 model TEXT,
                 error TEXT,
                 at_ms INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS chat_messages_conversation
                 ON chat_messages (conversation_id, id);
             CREATE TABLE IF NOT EXISTS chat_preferences (
                 owner TEXT PRIMARY KEY,
                 model TEXT NOT NULL
             );",
        )
        .context("creating the conversation tables")?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .context("the conversation store task failed")?
        .context("the conversation store failed")
    }

    /// The conversation to add `question` to: `id` when it is the owner's, else a new one
    /// titled after the question. Returns `None` when `id` names no conversation of theirs.
    pub async fn begin(
        &self,
        owner: &str,
        id: Option<i64>,
        question: &str,
    ) -> anyhow::Result<Option<i64>> {
        let owner = owner.to_string();
        let question = question.to_string();
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let now = crate::sqlite::now_ms();
            let id = match id {
                Some(id) => {
                    let found: Option<i64> = tx
                        .query_row(
                            "SELECT id FROM chat_conversations WHERE id = ?1 AND owner = ?2",
                            params![id, owner],
                            |r| r.get(0),
                        )
                        .optional()?;
                    let Some(id) = found else { return Ok(None) };
                    tx.execute(
                        "UPDATE chat_conversations SET updated_ms = ?1 WHERE id = ?2",
                        params![now, id],
                    )?;
                    id
                }
                None => {
                    tx.execute(
                        "INSERT INTO chat_conversations (owner, title, created_ms, updated_ms)
                         VALUES (?1, ?2, ?3, ?3)",
                        params![owner, title_of(&question), now],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            tx.execute(
                "INSERT INTO chat_messages (conversation_id, role, text, html, citations, at_ms)
                 VALUES (?1, 'user', ?2, '', '[]', ?3)",
                params![id, question, now],
            )?;
            tx.commit()?;
            Ok(Some(id))
        })
        .await
    }

    pub async fn add_answer(&self, conversation_id: i64, answer: Answer<'_>) -> anyhow::Result<()> {
        let citations = serde_json::to_string(answer.citations)?;
        let row = (
            answer.text.to_string(),
            answer.html.to_string(),
            answer.model.map(str::to_string),
            answer.error.map(str::to_string),
        );
        self.with(move |conn| {
            let now = crate::sqlite::now_ms();
            conn.execute(
                "INSERT INTO chat_messages (conversation_id, role, text, html, citations, model, error, at_ms)
                 VALUES (?1, 'assistant', ?2, ?3, ?4, ?5, ?6, ?7)",
                params![conversation_id, row.0, row.1, citations, row.2, row.3, now],
            )?;
            conn.execute(
                "UPDATE chat_conversations SET updated_ms = ?1 WHERE id = ?2",
                params![now, conversation_id],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn list(&self, owner: &str) -> anyhow::Result<Vec<ConversationSummary>> {
        let owner = owner.to_string();
        self.with(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT c.id, c.title, c.updated_ms,
                        (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = c.id)
                 FROM chat_conversations c WHERE c.owner = ?1
                 ORDER BY c.updated_ms DESC, c.id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![owner, LIST_LIMIT as i64], |r| {
                Ok(ConversationSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    updated_ms: r.get(2)?,
                    messages: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
                })
            })?;
            rows.collect()
        })
        .await
    }

    pub async fn get(&self, owner: &str, id: i64) -> anyhow::Result<Option<Conversation>> {
        let owner = owner.to_string();
        self.with(move |conn| {
            let title: Option<String> = conn
                .query_row(
                    "SELECT title FROM chat_conversations WHERE id = ?1 AND owner = ?2",
                    params![id, owner],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(title) = title else { return Ok(None) };
            let mut stmt = conn.prepare(
                "SELECT id, role, text, html, citations, model, error, at_ms
                 FROM chat_messages WHERE conversation_id = ?1 ORDER BY id",
            )?;
            let messages = stmt
                .query_map([id], |r| {
                    let role: String = r.get(1)?;
                    let citations: String = r.get(4)?;
                    Ok(Message {
                        id: r.get(0)?,
                        role: if role == "user" {
                            Role::User
                        } else {
                            Role::Assistant
                        },
                        text: r.get(2)?,
                        html: r.get(3)?,
                        citations: serde_json::from_str(&citations).unwrap_or_default(),
                        model: r.get(5)?,
                        error: r.get(6)?,
                        at_ms: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(Conversation {
                id,
                title,
                messages,
            }))
        })
        .await
    }

    /// The last turns before the newest question, oldest first, for the model's context.
    pub async fn history(&self, id: i64) -> anyhow::Result<Vec<(Role, String)>> {
        self.with(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT role, text FROM chat_messages
                 WHERE conversation_id = ?1 AND error IS NULL ORDER BY id DESC LIMIT ?2",
            )?;
            let mut turns = stmt
                .query_map(params![id, (HISTORY_TURNS * 2 + 1) as i64], |r| {
                    let role: String = r.get(0)?;
                    Ok((
                        if role == "user" {
                            Role::User
                        } else {
                            Role::Assistant
                        },
                        r.get(1)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            // The newest row is the question being asked now: it is sent on its own.
            if !turns.is_empty() {
                turns.remove(0);
            }
            turns.reverse();
            Ok(turns)
        })
        .await
    }

    pub async fn delete(&self, owner: &str, id: i64) -> anyhow::Result<bool> {
        let owner = owner.to_string();
        self.with(move |conn| {
            let n = conn.execute(
                "DELETE FROM chat_conversations WHERE id = ?1 AND owner = ?2",
                params![id, owner],
            )?;
            Ok(n > 0)
        })
        .await
    }

    pub async fn model(&self, owner: &str) -> anyhow::Result<Option<String>> {
        let owner = owner.to_string();
        self.with(move |conn| {
            conn.query_row(
                "SELECT model FROM chat_preferences WHERE owner = ?1",
                [owner],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    pub async fn set_model(&self, owner: &str, model: &str) -> anyhow::Result<()> {
        let (owner, model) = (owner.to_string(), model.to_string());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO chat_preferences (owner, model) VALUES (?1, ?2)
                 ON CONFLICT (owner) DO UPDATE SET model = excluded.model",
                params![owner, model],
            )?;
            Ok(())
        })
        .await
    }
}

fn title_of(question: &str) -> String {
    let line = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn conversations_are_private_to_their_owner() {
        let c = Conversations::in_memory().unwrap();
        let id = c
            .begin("a@x", None, "How do I  restart\nnginx?")
            .await
            .unwrap()
            .unwrap();
        c.add_answer(
            id,
            Answer {
                text: "Use s6-svc [1].",
                html: "<p>Use</p>",
                citations: &[],
                model: Some("m"),
                error: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            c.list("a@x").await.unwrap()[0].title,
            "How do I restart nginx?"
        );
        assert!(c.list("b@x").await.unwrap().is_empty());
        assert!(c.get("b@x", id).await.unwrap().is_none());
        assert!(
            c.begin("b@x", Some(id), "mine now?")
                .await
                .unwrap()
                .is_none()
        );
        assert!(!c.delete("b@x", id).await.unwrap());
        let conv = c.get("a@x", id).await.unwrap().unwrap();
        assert_eq!(conv.messages.len(), 2);
        assert_eq!(conv.messages[1].role, Role::Assistant);
        assert!(c.delete("a@x", id).await.unwrap());
        assert!(c.get("a@x", id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn history_leaves_out_the_new_question_and_failed_answers() {
        let c = Conversations::in_memory().unwrap();
        let id = c.begin("u", None, "q1").await.unwrap().unwrap();
        c.add_answer(
            id,
            Answer {
                text: "a1",
                html: "",
                citations: &[],
                model: None,
                error: None,
            },
        )
        .await
        .unwrap();
        c.begin("u", Some(id), "q2").await.unwrap();
        c.add_answer(
            id,
            Answer {
                text: "half",
                html: "",
                citations: &[],
                model: None,
                error: Some("stopped"),
            },
        )
        .await
        .unwrap();
        c.begin("u", Some(id), "q3").await.unwrap();
        let h = c.history(id).await.unwrap();
        let texts: Vec<_> = h.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["q1", "a1", "q2"]);
    }

    #[tokio::test]
    async fn the_model_choice_is_remembered_per_user() {
        let c = Conversations::in_memory().unwrap();
        assert_eq!(c.model("u").await.unwrap(), None);
        c.set_model("u", "llama3.2:3b").await.unwrap();
        c.set_model("u", "qwen2.5:7b").await.unwrap();
        assert_eq!(c.model("u").await.unwrap().as_deref(), Some("qwen2.5:7b"));
        assert_eq!(c.model("v").await.unwrap(), None);
    }

    #[test]
    fn long_titles_are_cut_on_characters() {
        let t = title_of(&"é".repeat(200));
        assert_eq!(t.chars().count(), TITLE_CHARS + 1);
    }
}
