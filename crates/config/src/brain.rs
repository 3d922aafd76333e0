//! `[brain]`: the model server, the notes folders the Brain indexes beside the Resources
//! library, and the bounds of the embedding job.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ConfigError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrainConfig {
    /// Ollama's base URL, e.g. `http://127.0.0.1:11434`. Unset: the Brain answers with
    /// retrieval alone (the best passages, cited) and says how to connect a model.
    pub ollama_url: Option<String>,
    /// The chat model offered first; each user's choice is remembered.
    pub chat_model: String,
    /// The embedding model. Changing it (or `embed_dimensions`) builds a new index
    /// generation beside the old one, which stays searchable until the new one is complete.
    pub embed_model: String,
    /// Ask the model for vectors of this size (models that support `dimensions`); 0 = its own.
    pub embed_dimensions: u32,
    /// How vectors are stored: `f16` (half the disk, ranking unchanged in practice) or `f32`
    /// (exactly what the model returned).
    pub vector_format: VectorFormat,
    /// Folders of your own Markdown notes, indexed beside the Resources library.
    #[serde(deserialize_with = "crate::content::paths_or_csv")]
    pub dirs: Vec<PathBuf>,
    /// One embedding request carries at most this many characters …
    pub batch_max_chars: usize,
    /// … and at most this many chunks.
    pub batch_max_inputs: usize,
    /// Bound on one request to the model server, in seconds.
    pub request_timeout_secs: u64,
    /// Retries of a failed embedding batch within a run (with backoff) before it is recorded
    /// as failed and left for the next run.
    pub retries: u32,
    /// Passages retrieved for each question.
    pub top_k: usize,
    /// Index at start-up and whenever the library changes.
    pub auto_index: bool,
}

impl Default for BrainConfig {
    fn default() -> Self {
        Self {
            ollama_url: None,
            chat_model: "llama3.2:3b".into(),
            embed_model: "nomic-embed-text".into(),
            embed_dimensions: 0,
            vector_format: VectorFormat::F16,
            dirs: Vec::new(),
            batch_max_chars: 16_000,
            batch_max_inputs: 32,
            request_timeout_secs: 60,
            retries: 3,
            top_k: 6,
            auto_index: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorFormat {
    F16,
    F32,
}

impl BrainConfig {
    /// The configured model server, parsed; `None` when unset or blank.
    pub fn parsed_ollama_url(&self) -> Option<url::Url> {
        self.ollama_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .and_then(|u| url::Url::parse(u).ok())
    }
}

pub(crate) fn validate(brain: &BrainConfig) -> Result<(), ConfigError> {
    if let Some(raw) = brain
        .ollama_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        let fix = "give Ollama's base address, e.g. ollama_url = \"http://127.0.0.1:11434\" \
                   (WORKBENCH_BRAIN__OLLAMA_URL), or remove it to answer from retrieval alone";
        let url = url::Url::parse(raw).map_err(|err| ConfigError::Invalid {
            key: "brain.ollama_url",
            problem: format!("{raw:?} is not a URL ({err})"),
            fix: fix.into(),
        })?;
        crate::code::check_web_url("brain.ollama_url", &url, fix)?;
    }
    let name_ok = |s: &str| {
        !s.trim().is_empty()
            && s.len() <= 200
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c))
    };
    if !name_ok(&brain.chat_model) {
        return Err(ConfigError::Invalid {
            key: "brain.chat_model",
            problem: format!("{:?} is not a model name", brain.chat_model),
            fix: "use a name as `ollama list` prints it, e.g. \"llama3.2:3b\"".into(),
        });
    }
    if !name_ok(&brain.embed_model) {
        return Err(ConfigError::Invalid {
            key: "brain.embed_model",
            problem: format!("{:?} is not a model name", brain.embed_model),
            fix: "use an embedding model's name, e.g. \"nomic-embed-text\"".into(),
        });
    }
    let bounded = |key: &'static str, value: u64, lo: u64, hi: u64| {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                key,
                problem: format!("{value} is out of range"),
                fix: format!("choose a value from {lo} to {hi}"),
            })
        }
    };
    bounded(
        "brain.embed_dimensions",
        brain.embed_dimensions.into(),
        0,
        16_384,
    )?;
    bounded(
        "brain.batch_max_chars",
        brain.batch_max_chars as u64,
        256,
        1_000_000,
    )?;
    bounded(
        "brain.batch_max_inputs",
        brain.batch_max_inputs as u64,
        1,
        1_024,
    )?;
    bounded(
        "brain.request_timeout_secs",
        brain.request_timeout_secs,
        1,
        3_600,
    )?;
    bounded("brain.retries", brain.retries.into(), 0, 20)?;
    bounded("brain.top_k", brain.top_k as u64, 1, 50)?;
    Ok(())
}
