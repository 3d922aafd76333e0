//! The second implementation: any server with the OpenAI-compatible API (`/v1/models`,
//! `/v1/embeddings`, `/v1/chat/completions` streamed as server-sent events), Ollama's own
//! `/v1` included. An optional bearer key never appears in `Debug` output or logs.

use std::collections::VecDeque;
use std::fmt;

use reqwest::Response;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::http::{self, BODY_LIMIT};
use crate::ndjson::{DEFAULT_MAX_LINE, SseDecoder};
use crate::ollama::{Framing, chat_stream};
use crate::{
    BoxFuture, ChatEvent, ChatMessage, ChatModel, ChatRequest, ChatStats, ChatStream, Embedder,
    LlmError, ModelInfo, OllamaOptions,
};

/// A bearer key. Its `Debug` shows only that one is set.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(redacted)")
    }
}

/// An OpenAI-compatible server. `base_url` includes the version, e.g.
/// `http://127.0.0.1:11434/v1`. Timeouts and the embedding model come from the same
/// [`OllamaOptions`] as the Ollama client.
#[derive(Clone)]
pub struct OpenAiCompatible {
    client: reqwest::Client,
    base: Url,
    shown: String,
    options: OllamaOptions,
    has_key: bool,
}

impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("url", &self.shown)
            .field("options", &self.options)
            .field("has_key", &self.has_key)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    pub fn new(
        base_url: &str,
        api_key: Option<ApiKey>,
        mut options: OllamaOptions,
    ) -> Result<Self, LlmError> {
        let base = http::base_url(base_url)?;
        let shown = http::display_url(&base);
        if options.embed_dimensions == Some(0) {
            options.embed_dimensions = None;
        }
        let mut headers = HeaderMap::new();
        if let Some(ApiKey(key)) = &api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
                LlmError::Unreachable {
                    url: shown.clone(),
                    detail: "the API key has characters an HTTP header cannot carry".into(),
                }
            })?;
            // Keeps the key out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .default_headers(headers)
            .build()
            .map_err(|err| LlmError::Unreachable {
                url: shown.clone(),
                detail: format!("the HTTP client could not start: {}", http::describe(err)),
            })?;
        Ok(Self {
            client,
            base,
            shown,
            options,
            has_key: api_key.is_some(),
        })
    }

    pub fn url(&self) -> &str {
        &self.shown
    }

    pub fn has_key(&self) -> bool {
        self.has_key
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &'static str,
        model: Option<&str>,
    ) -> Result<Response, LlmError> {
        let timeout = self.options.request_timeout;
        let mut response = match tokio::time::timeout(timeout, request.send()).await {
            Err(_) => {
                return Err(LlmError::Timeout {
                    what,
                    secs: http::ceil_secs(timeout),
                });
            }
            Ok(Err(err)) => return Err(http::send_error(err, &self.shown, what, timeout)),
            Ok(Ok(response)) => response,
        };
        http::check_status(&mut response, timeout, &self.shown, what, model).await?;
        Ok(response)
    }
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ListedModel>,
}

#[derive(Deserialize)]
struct ListedModel {
    id: String,
}

#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
    stream_options: StreamOptions,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

/// `data: {chunk}` events, then `data: [DONE]`.
struct SseChat {
    sse: SseDecoder,
    done: bool,
    stats: ChatStats,
    finished: bool,
}

impl SseChat {
    fn new() -> Self {
        Self {
            sse: SseDecoder::new(DEFAULT_MAX_LINE),
            done: false,
            stats: ChatStats::default(),
            finished: false,
        }
    }

    fn fail(&mut self, err: LlmError, out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        self.done = true;
        out.push_back(Err(err));
    }

    fn event(&mut self, data: &str, out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        if self.done {
            return;
        }
        if data.trim() == "[DONE]" {
            self.done = true;
            out.push_back(Ok(ChatEvent::Done(std::mem::take(&mut self.stats))));
            return;
        }
        let chunk: Chunk = match http::parse_json(data.as_bytes(), "the chat answer") {
            Ok(chunk) => chunk,
            Err(err) => return self.fail(err, out),
        };
        if let Some(error) = chunk.error {
            let message = http::message_from_body(
                reqwest::StatusCode::OK,
                serde_json::json!({ "error": error }).to_string().as_bytes(),
            );
            return self.fail(
                LlmError::Interrupted {
                    detail: format!("the model server reported: {message}"),
                },
                out,
            );
        }
        if let Some(usage) = chunk.usage {
            self.stats.prompt_eval_count = usage.prompt_tokens;
            self.stats.eval_count = usage.completion_tokens;
        }
        for choice in chunk.choices {
            if let Some(text) = choice
                .delta
                .and_then(|d| d.content)
                .filter(|t| !t.is_empty())
            {
                out.push_back(Ok(ChatEvent::Token(text)));
            }
            if let Some(reason) = choice.finish_reason {
                self.finished = true;
                self.stats.done_reason = Some(reason);
            }
        }
    }

    fn framing_error(
        &mut self,
        err: impl fmt::Display,
        out: &mut VecDeque<Result<ChatEvent, LlmError>>,
    ) {
        self.fail(
            LlmError::Protocol {
                what: "the chat answer",
                detail: err.to_string(),
            },
            out,
        );
    }
}

impl Framing for SseChat {
    fn push(&mut self, bytes: &[u8], out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        if self.done {
            return;
        }
        match self.sse.push(bytes) {
            Ok(events) => events.iter().for_each(|e| self.event(&e.data, out)),
            Err(err) => self.framing_error(err, out),
        }
    }

    fn finish(&mut self, out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        if self.done {
            return;
        }
        match self.sse.finish() {
            Ok(events) => events.iter().for_each(|e| self.event(&e.data, out)),
            Err(err) => self.framing_error(err, out),
        }
        if self.done {
            return;
        }
        self.done = true;
        if self.finished {
            // A finish reason and then the end, without `[DONE]`: some servers do that.
            out.push_back(Ok(ChatEvent::Done(std::mem::take(&mut self.stats))));
        } else {
            out.push_back(Err(LlmError::Interrupted {
                detail: "the connection closed before the answer was complete".into(),
            }));
        }
    }
}

#[derive(Serialize)]
struct EmbedBody<'a> {
    model: &'a str,
    input: &'a [String],
    encoding_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<u32>,
}

#[derive(Deserialize)]
struct EmbedReply {
    data: Vec<EmbedItem>,
}

#[derive(Deserialize)]
struct EmbedItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

impl ChatModel for OpenAiCompatible {
    fn models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>, LlmError>> {
        Box::pin(async move {
            let what = "the model list";
            let request = self
                .client
                .get(http::endpoint(&self.base, "models"))
                .timeout(self.options.request_timeout);
            let mut response = self.send(request, what, None).await?;
            let body = http::read_body(
                &mut response,
                BODY_LIMIT,
                self.options.request_timeout,
                what,
            )
            .await?;
            let list: ModelList = http::parse_json(&body, what)?;
            Ok(list
                .data
                .into_iter()
                .map(|m| ModelInfo {
                    name: m.id,
                    family: None,
                    parameter_size: None,
                    quantization: None,
                    size: None,
                })
                .collect())
        })
    }

    fn chat(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatStream, LlmError>> {
        Box::pin(async move {
            let body = ChatBody {
                model: &request.model,
                messages: &request.messages,
                stream: true,
                stream_options: StreamOptions {
                    include_usage: true,
                },
            };
            let http_request = self
                .client
                .post(http::endpoint(&self.base, "chat/completions"))
                .json(&body);
            let response = self
                .send(http_request, "the chat request", Some(&request.model))
                .await?;
            Ok(chat_stream(
                response,
                SseChat::new(),
                self.options.stall_timeout,
            ))
        })
    }
}

impl Embedder for OpenAiCompatible {
    fn model(&self) -> &str {
        &self.options.embed_model
    }

    fn embed<'a>(&'a self, inputs: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move {
            if inputs.is_empty() {
                return Ok(Vec::new());
            }
            let what = "the embedding request";
            let model = &self.options.embed_model;
            let body = EmbedBody {
                model,
                input: inputs,
                encoding_format: "float",
                dimensions: self.options.embed_dimensions,
            };
            let request = self
                .client
                .post(http::endpoint(&self.base, "embeddings"))
                .timeout(self.options.request_timeout)
                .json(&body);
            let mut response = self.send(request, what, Some(model)).await?;
            let body = http::read_body(
                &mut response,
                BODY_LIMIT,
                self.options.request_timeout,
                what,
            )
            .await?;
            let reply: EmbedReply = http::parse_json(&body, what)?;
            let mut slots: Vec<Option<Vec<f32>>> = vec![None; reply.data.len()];
            for (position, item) in reply.data.into_iter().enumerate() {
                let index = item.index.unwrap_or(position);
                match slots.get_mut(index) {
                    Some(slot @ None) => *slot = Some(item.embedding),
                    _ => {
                        return Err(LlmError::Protocol {
                            what,
                            detail: format!("vector index {index} is out of range or repeated"),
                        });
                    }
                }
            }
            // Every slot is filled: n distinct indices below n.
            let vectors = slots.into_iter().flatten().collect();
            http::check_vectors(vectors, inputs.len(), self.options.embed_dimensions, what)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> Vec<Result<ChatEvent, LlmError>> {
        let mut framing = SseChat::new();
        let mut out = VecDeque::new();
        for c in chunks {
            framing.push(c, &mut out);
        }
        framing.finish(&mut out);
        out.into_iter().collect()
    }

    #[test]
    fn sse_chat_tokens_then_done_with_usage() {
        let events = run(&[
            b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"He\"},\"finish_reason\":null}]}\n\n",
            b"data: {\"choices\":[{\"delta\":{\"content\":\"llo\"},\"finish_reason\":\"stop\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n",
            b"data: [DONE]\n\n",
        ]);
        assert_eq!(events[0], Ok(ChatEvent::Token("He".into())));
        assert_eq!(events[1], Ok(ChatEvent::Token("llo".into())));
        let Some(Ok(ChatEvent::Done(stats))) = events.get(2) else {
            panic!("no done: {events:?}");
        };
        assert_eq!(stats.eval_count, Some(2));
        assert_eq!(stats.done_reason.as_deref(), Some("stop"));
        assert_eq!(events.len(), 3);
    }

    #[test]
    fn sse_chat_cut_short_is_interrupted() {
        let events = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"He\"}}]}\n\n"]);
        assert!(matches!(
            events.last(),
            Some(Err(LlmError::Interrupted { .. }))
        ));
        let events = run(&[b"data: {\"error\":{\"message\":\"boom\"}}\n\n"]);
        assert!(
            matches!(&events[0], Err(LlmError::Interrupted { detail }) if detail.contains("boom"))
        );
        let events = run(&[b"data: [1,2]\n\n"]);
        assert!(matches!(&events[0], Err(LlmError::Protocol { .. })));
    }

    #[test]
    fn key_stays_out_of_debug() {
        let client = OpenAiCompatible::new(
            "http://127.0.0.1:9/v1",
            Some(ApiKey::new("sk-secret-123")),
            OllamaOptions::default(),
        )
        .expect("builds");
        let shown = format!("{client:?}");
        assert!(!shown.contains("sk-secret-123"), "{shown}");
        assert!(client.has_key());
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_split_of_a_valid_sse_answer_gives_the_same_events(
            tokens in proptest::collection::vec("\\PC{1,8}", 0..20),
            points in proptest::collection::vec(any::<usize>(), 0..40),
        ) {
            let mut text = String::from(": ping\n\n");
            for t in &tokens {
                let chunk = serde_json::json!({"choices": [{"delta": {"content": t}, "finish_reason": null}]});
                text.push_str(&format!("data: {chunk}\r\n\r\n"));
            }
            text.push_str("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
            let whole = run(&[text.as_bytes()]);
            let mut framing = SseChat::new();
            let mut out = VecDeque::new();
            for c in crate::ndjson::tests::split_at_points(text.as_bytes(), points) {
                framing.push(c, &mut out);
            }
            framing.finish(&mut out);
            let split: Vec<_> = out.into();
            prop_assert_eq!(&whole, &split);
            prop_assert_eq!(whole.len(), tokens.len() + 1);
            prop_assert!(matches!(whole.last(), Some(Ok(ChatEvent::Done(_)))));
        }

        #[test]
        fn arbitrary_sse_bytes_never_panic_and_always_end(
            bytes in proptest::collection::vec(any::<u8>(), 0..3000),
        ) {
            let events = run(&[&bytes]);
            let ends = events.iter().filter(|e| matches!(e, Err(_) | Ok(ChatEvent::Done(_)))).count();
            prop_assert_eq!(ends, 1);
        }
    }
}
