//! What the Brain tab and the server say to each other: the chat request, the NDJSON events
//! of a streamed answer, conversations, models and the index's status.

use serde::{Deserialize, Serialize};

mod lines;

pub use lines::{LineDecoder, LineTooLong};

/// Longest question accepted, in bytes.
pub const MAX_QUESTION_BYTES: usize = 8 * 1024;
/// Longest model name accepted.
pub const MAX_MODEL_BYTES: usize = 200;

/// `POST /api/brain/chat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// Continue this conversation; none starts a new one.
    #[serde(default)]
    pub conversation_id: Option<i64>,
    pub question: String,
    /// The chat model; none uses the user's remembered choice, then the configured default.
    #[serde(default)]
    pub model: Option<String>,
}

/// A numbered source of an answer: `[n]` in the text links here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub n: usize,
    pub title: String,
    /// Heading path inside the document (`A › B`), empty at its top.
    pub heading: String,
    /// The page and heading the citation opens.
    pub url: String,
    /// The start of the passage, shown on hover.
    pub excerpt: String,
}

/// One line of the answer stream (`application/x-ndjson`), in this order: `Start`,
/// `Sources`, zero or more `Notice`, `Token`…, then `Done` or `Error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    Start {
        conversation_id: i64,
        /// The model answering; none when answering from retrieval alone.
        model: Option<String>,
    },
    Sources {
        citations: Vec<Citation>,
        /// False when only keyword search ran (`reason` says why).
        hybrid: bool,
        reason: Option<String>,
    },
    /// Something the user should know, e.g. that no model server is connected and how to.
    Notice { message: String },
    /// More of the answer: `text` is the new piece, `html` the whole answer so far,
    /// rendered and sanitised on the server.
    Token { text: String, html: String },
    Done {
        html: String,
        stats: Option<AnswerStats>,
    },
    /// The answer ended early; what arrived stays (`html`), `message` says what to do.
    Error { message: String, html: String },
}

impl ChatEvent {
    /// Reads one line of the stream. The browser reads through this flat shape rather than
    /// serde's internally tagged enum, whose buffering machinery costs the WASM bundle
    /// kilobytes; the wire format is the same.
    pub fn from_line(line: &str) -> Option<ChatEvent> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(rename = "type")]
            kind: String,
            conversation_id: Option<i64>,
            model: Option<String>,
            citations: Option<Vec<Citation>>,
            hybrid: Option<bool>,
            reason: Option<String>,
            message: Option<String>,
            text: Option<String>,
            html: Option<String>,
            stats: Option<AnswerStats>,
        }
        let w: Wire = serde_json::from_str(line).ok()?;
        Some(match w.kind.as_str() {
            "start" => ChatEvent::Start {
                conversation_id: w.conversation_id?,
                model: w.model,
            },
            "sources" => ChatEvent::Sources {
                citations: w.citations.unwrap_or_default(),
                hybrid: w.hybrid.unwrap_or(false),
                reason: w.reason,
            },
            "notice" => ChatEvent::Notice {
                message: w.message?,
            },
            "token" => ChatEvent::Token {
                text: w.text.unwrap_or_default(),
                html: w.html?,
            },
            "done" => ChatEvent::Done {
                html: w.html?,
                stats: w.stats,
            },
            "error" => ChatEvent::Error {
                message: w.message?,
                html: w.html.unwrap_or_default(),
            },
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerStats {
    pub tokens: Option<u64>,
    pub tokens_per_s: Option<f64>,
    pub total_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub role: Role,
    /// The text as written (Markdown for answers).
    pub text: String,
    /// Answers: rendered, sanitised HTML with citation links.
    pub html: String,
    pub citations: Vec<Citation>,
    pub model: Option<String>,
    /// The answer ended early with this message.
    pub error: Option<String>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: i64,
    pub title: String,
    pub updated_ms: i64,
    pub messages: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: i64,
    pub title: String,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOption {
    /// The full name with its tag, e.g. `llama3.2:3b`.
    pub name: String,
    /// e.g. `3.2B · Q4_K_M`.
    pub detail: String,
}

/// `GET /api/brain/models`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Models {
    pub models: Vec<ModelOption>,
    /// The user's model: remembered, else the configured default.
    pub selected: String,
    /// Why the list is empty or stale, and what to do.
    pub problem: Option<String>,
    /// A model server is configured.
    pub connected: bool,
}

/// `PUT /api/brain/model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectModel {
    pub model: String,
}

/// `POST /api/admin/brain/index`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRequest {
    #[serde(default)]
    pub rebuild: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceView {
    pub name: String,
    pub documents: usize,
    pub chunks: usize,
}

/// `GET /api/brain/index`: what the Index panel shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexView {
    pub sources: Vec<SourceView>,
    pub chunks: usize,
    pub embedded: usize,
    pub model: Option<String>,
    pub dims: Option<usize>,
    /// A generation being built beside the active one: `model (dims)`.
    pub building: Option<String>,
    pub failed_batches: usize,
    /// Files skipped and why (`source: path: problem`), at most 50.
    pub problems: Vec<String>,
    pub running: bool,
    pub phase: String,
    pub done: usize,
    pub total: usize,
    pub rate: f64,
    pub eta_secs: Option<f64>,
    pub message: String,
    /// No embedding model is reachable: keyword search only, and how to fix it.
    pub problem: Option<String>,
    /// The caller may start a run (admins).
    pub can_index: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_through_the_flat_reader() {
        let c = Citation {
            n: 1,
            title: "T".into(),
            heading: "H".into(),
            url: "/r#h".into(),
            excerpt: "e".into(),
        };
        let events = [
            ChatEvent::Start {
                conversation_id: 7,
                model: Some("m:1b".into()),
            },
            ChatEvent::Start {
                conversation_id: 7,
                model: None,
            },
            ChatEvent::Sources {
                citations: vec![c],
                hybrid: false,
                reason: Some("why".into()),
            },
            ChatEvent::Notice {
                message: "n".into(),
            },
            ChatEvent::Token {
                text: "t".into(),
                html: "<p>t</p>".into(),
            },
            ChatEvent::Done {
                html: "<p>x</p>".into(),
                stats: Some(AnswerStats {
                    tokens: Some(3),
                    tokens_per_s: Some(1.5),
                    total_ms: Some(9),
                }),
            },
            ChatEvent::Error {
                message: "m".into(),
                html: String::new(),
            },
        ];
        for e in events {
            let line = serde_json::to_string(&e).unwrap();
            assert_eq!(ChatEvent::from_line(&line), Some(e), "{line}");
        }
        for bad in [
            "",
            "{}",
            "[]",
            r#"{"type":"start"}"#,
            r#"{"type":"nope"}"#,
            r#"{"type":5}"#,
        ] {
            assert_eq!(ChatEvent::from_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn events_round_trip_as_tagged_json() {
        let e = ChatEvent::Token {
            text: "hi".into(),
            html: "<p>hi</p>".into(),
        };
        let line = serde_json::to_string(&e).unwrap();
        assert!(line.starts_with("{\"type\":\"token\""), "{line}");
        assert_eq!(serde_json::from_str::<ChatEvent>(&line).unwrap(), e);
    }
}
