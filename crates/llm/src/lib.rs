//! The Brain's model server, behind two small traits this project owns: [`ChatModel`]
//! (model list, streamed chat) and [`Embedder`] (batched embeddings). The HTTP client types
//! stay inside this crate.

use std::future::Future;
use std::pin::Pin;

use futures::Stream;
use serde::{Deserialize, Serialize};

#[cfg(feature = "testing")]
pub mod fake;
mod hash_embed;
mod http;
pub mod ndjson;
mod ollama;
mod openai;

#[cfg(feature = "testing")]
pub use fake::{FakeConfig, FakeHandle, FakeOllama, NOW_US, RawReply};
pub use hash_embed::HashEmbedder;
pub use ollama::{Ollama, OllamaOptions};
pub use openai::{ApiKey, OpenAiCompatible};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A chat answer as it arrives: tokens, then one `Done`. An `Err` item ends the stream.
pub type ChatStream = Pin<Box<dyn Stream<Item = Result<ChatEvent, LlmError>> + Send>>;

/// One model the server offers, from `/api/tags` (parsed from JSON, never from strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The full name with its tag, e.g. `llama3.2:3b`.
    pub name: String,
    pub family: Option<String>,
    pub parameter_size: Option<String>,
    pub quantization: Option<String>,
    /// Bytes on disk.
    pub size: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// Some text of the answer (one or more tokens).
    Token(String),
    /// The model finished; nothing follows.
    Done(ChatStats),
}

/// What the last NDJSON line of `/api/chat` reports (durations in nanoseconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatStats {
    pub done_reason: Option<String>,
    pub total_duration: Option<u64>,
    pub load_duration: Option<u64>,
    pub prompt_eval_count: Option<u64>,
    pub prompt_eval_duration: Option<u64>,
    pub eval_count: Option<u64>,
    pub eval_duration: Option<u64>,
}

/// Why the model server could not help, worded so the user knows what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("no model server is configured: set brain.ollama_url (e.g. http://127.0.0.1:11434)")]
    NotConfigured,
    #[error(
        "the model server at {url} does not answer ({detail}); is Ollama running (`ollama serve`)?"
    )]
    Unreachable { url: String, detail: String },
    #[error(
        "the model server did not answer {what} within {secs} s; it may be loading the model, try again"
    )]
    Timeout { what: &'static str, secs: u64 },
    #[error("the model server has no model {0:?}; pull it with `ollama pull {0}` or pick another")]
    ModelNotFound(String),
    #[error("the model server answered {what} with HTTP {status}: {message}")]
    Status {
        what: &'static str,
        status: u16,
        message: String,
    },
    #[error("the model server sent something unexpected for {what}: {detail}")]
    Protocol { what: &'static str, detail: String },
    #[error("the model server stopped in the middle of the answer ({detail})")]
    Interrupted { detail: String },
}

/// Turns text into vectors. Implementations return one L2-normalised vector per input, in
/// input order, all of one dimension.
pub trait Embedder: Send + Sync {
    /// The model's name, as stored beside the vectors (a new name = a new index generation).
    fn model(&self) -> &str;
    fn embed<'a>(&'a self, inputs: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>>;
}

/// Answers chat requests as a stream.
pub trait ChatModel: Send + Sync {
    fn models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>, LlmError>>;
    fn chat(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatStream, LlmError>>;
}
