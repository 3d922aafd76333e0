//! The Ollama client: `/api/tags`, `/api/chat` (NDJSON stream), `/api/embed`, `/api/version`,
//! following `ollama-api.md`. One reqwest client, built once, shared by every call.

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::Response;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::http::{self, BODY_LIMIT};
use crate::ndjson::{DEFAULT_MAX_LINE, LineDecoder};
use crate::{
    BoxFuture, ChatEvent, ChatMessage, ChatModel, ChatRequest, ChatStats, ChatStream, Embedder,
    LlmError, ModelInfo,
};

/// A streamed answer is refused beyond this many bytes (a model server gone mad).
pub(crate) const STREAM_LIMIT: usize = 64 * 1024 * 1024;

/// How patient the client is. `request_timeout` bounds a whole JSON request (model list,
/// one embedding batch) and the wait for a chat answer to begin (a model may be loading);
/// `stall_timeout` bounds the silence between two pieces of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct OllamaOptions {
    pub request_timeout: Duration,
    pub stall_timeout: Duration,
    pub connect_timeout: Duration,
    /// The model [`Embedder::embed`] asks for, e.g. `nomic-embed-text`.
    pub embed_model: String,
    /// Ask for vectors of this size (models that support it); `None` or 0: the model's own.
    pub embed_dimensions: Option<u32>,
}

impl Default for OllamaOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            embed_model: "nomic-embed-text".into(),
            embed_dimensions: None,
        }
    }
}

/// An Ollama server. Cheap to clone (the HTTP client inside is shared).
#[derive(Clone)]
pub struct Ollama {
    client: reqwest::Client,
    base: Url,
    shown: String,
    options: OllamaOptions,
}

impl std::fmt::Debug for Ollama {
    // The base URL may carry a reverse proxy's credentials: only the redacted form is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ollama")
            .field("url", &self.shown)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Ollama {
    /// `base_url` is Ollama's address, e.g. `http://127.0.0.1:11434`. An unusable URL is
    /// [`LlmError::NotConfigured`], whose message says how to set it.
    pub fn new(base_url: &str, mut options: OllamaOptions) -> Result<Self, LlmError> {
        let base = http::base_url(base_url)?;
        if options.embed_dimensions == Some(0) {
            options.embed_dimensions = None;
        }
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(|err| LlmError::Unreachable {
                url: http::display_url(&base),
                detail: format!("the HTTP client could not start: {}", http::describe(err)),
            })?;
        Ok(Self {
            client,
            shown: http::display_url(&base),
            base,
            options,
        })
    }

    pub fn options(&self) -> &OllamaOptions {
        &self.options
    }

    /// The server's address as it may be shown (no credentials).
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// `/api/version`: a cheap "is it there?" for status pages.
    pub async fn version(&self) -> Result<String, LlmError> {
        #[derive(Deserialize)]
        struct Version {
            version: String,
        }
        let what = "the version request";
        let body = self
            .get_json(http::endpoint(&self.base, "api/version"), what, 64 * 1024)
            .await?;
        Ok(http::parse_json::<Version>(&body, what)?.version)
    }

    async fn get_json(
        &self,
        url: Url,
        what: &'static str,
        limit: usize,
    ) -> Result<Vec<u8>, LlmError> {
        let request = self.client.get(url).timeout(self.options.request_timeout);
        let mut response = self.send(request, what).await?;
        self.check_status(&mut response, what, None).await?;
        self.read(&mut response, what, limit).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &'static str,
    ) -> Result<Response, LlmError> {
        let timeout = self.options.request_timeout;
        match tokio::time::timeout(timeout, request.send()).await {
            Err(_) => Err(LlmError::Timeout {
                what,
                secs: http::ceil_secs(timeout),
            }),
            Ok(Err(err)) => Err(http::send_error(err, &self.shown, what, timeout)),
            Ok(Ok(response)) => Ok(response),
        }
    }

    async fn read(
        &self,
        response: &mut Response,
        what: &'static str,
        limit: usize,
    ) -> Result<Vec<u8>, LlmError> {
        // reqwest's own timeout covers the body of a non-streamed request; this bound is
        // the same, for the rare server that trickles.
        http::read_body(response, limit, self.options.request_timeout, what).await
    }

    async fn check_status(
        &self,
        response: &mut Response,
        what: &'static str,
        model: Option<&str>,
    ) -> Result<(), LlmError> {
        http::check_status(
            response,
            self.options.request_timeout,
            &self.shown,
            what,
            model,
        )
        .await
    }
}

#[derive(Deserialize)]
struct Tags {
    models: Vec<TagModel>,
}

#[derive(Deserialize)]
struct TagModel {
    name: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    details: Option<TagDetails>,
}

#[derive(Deserialize, Default)]
struct TagDetails {
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    parameter_size: Option<String>,
    #[serde(default)]
    quantization_level: Option<String>,
}

pub(crate) fn parse_tags(body: &[u8]) -> Result<Vec<ModelInfo>, LlmError> {
    let tags: Tags = http::parse_json(body, "the model list")?;
    Ok(tags
        .models
        .into_iter()
        .map(|m| {
            let details = m.details.unwrap_or_default();
            ModelInfo {
                name: m.name,
                family: details.family.filter(|s| !s.is_empty()),
                parameter_size: details.parameter_size.filter(|s| !s.is_empty()),
                quantization: details.quantization_level.filter(|s| !s.is_empty()),
                size: m.size,
            }
        })
        .collect())
}

#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
}

#[derive(Deserialize)]
struct ChatLine {
    #[serde(default)]
    message: Option<LineMessage>,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(flatten)]
    stats: ChatStats,
}

#[derive(Deserialize)]
struct LineMessage {
    #[serde(default)]
    content: String,
}

/// Turns one NDJSON line of `/api/chat` into what the caller sees: nothing (a blank line,
/// an empty token), a token, or — on the last line — its text if any, then `Done`.
pub(crate) fn parse_chat_line(line: &[u8]) -> Result<Vec<ChatEvent>, LlmError> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let line: ChatLine = http::parse_json(line, "the chat answer")?;
    if let Some(error) = line.error {
        // Ollama reports a failure after the 200 status as one last `{"error": …}` line.
        return Err(LlmError::Interrupted {
            detail: format!("the model server reported: {}", http::clip(&error, 300)),
        });
    }
    let mut events = Vec::new();
    // The last line usually has empty content; a non-streamed answer (a proxy that dropped
    // `stream`) carries the whole text there.
    if let Some(m) = line.message.filter(|m| !m.content.is_empty()) {
        events.push(ChatEvent::Token(m.content));
    }
    if line.done {
        events.push(ChatEvent::Done(line.stats));
    }
    Ok(events)
}

/// The state behind a [`ChatStream`]: the open response, the framing, and what is decoded
/// but not yet taken.
pub(crate) struct LineStream<D> {
    response: Option<Response>,
    decoder: D,
    ready: VecDeque<Result<ChatEvent, LlmError>>,
    stall: Duration,
    received: usize,
}

/// The framing of one streaming API: bytes in, events out, and what the end of the stream
/// means.
pub(crate) trait Framing: Send + 'static {
    fn push(&mut self, bytes: &[u8], out: &mut VecDeque<Result<ChatEvent, LlmError>>);
    fn finish(&mut self, out: &mut VecDeque<Result<ChatEvent, LlmError>>);
}

pub(crate) fn chat_stream<D: Framing>(
    response: Response,
    decoder: D,
    stall: Duration,
) -> ChatStream {
    let state = LineStream {
        response: Some(response),
        decoder,
        ready: VecDeque::new(),
        stall,
        received: 0,
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.ready.pop_front() {
                if matches!(item, Err(_) | Ok(ChatEvent::Done(_))) {
                    // Nothing follows an error or the end: close the connection now.
                    st.response = None;
                    st.ready.clear();
                }
                return Some((item, st));
            }
            let response = st.response.as_mut()?;
            match http::next_chunk(response, st.stall, "the chat request").await {
                Err(err) => st.ready.push_back(Err(err)),
                Ok(None) => {
                    st.decoder.finish(&mut st.ready);
                    st.response = None;
                }
                Ok(Some(bytes)) => {
                    st.received += bytes.len();
                    if st.received > STREAM_LIMIT {
                        st.ready
                            .push_back(Err(http::too_large("the chat answer", STREAM_LIMIT)));
                    } else {
                        st.decoder.push(&bytes, &mut st.ready);
                    }
                }
            }
        }
    }))
}

/// Ollama's NDJSON: one JSON object per line, the last with `"done": true`.
pub(crate) struct NdjsonChat {
    lines: LineDecoder,
    done: bool,
}

impl NdjsonChat {
    pub(crate) fn new() -> Self {
        Self {
            lines: LineDecoder::new(DEFAULT_MAX_LINE),
            done: false,
        }
    }

    fn line(&mut self, line: &[u8], out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        if self.done {
            return;
        }
        match parse_chat_line(line) {
            Ok(events) => {
                for event in events {
                    self.done = matches!(event, ChatEvent::Done(_));
                    out.push_back(Ok(event));
                }
            }
            Err(err) => {
                self.done = true;
                out.push_back(Err(err));
            }
        }
    }
}

impl Framing for NdjsonChat {
    fn push(&mut self, bytes: &[u8], out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        if self.done {
            return;
        }
        match self.lines.push(bytes) {
            Ok(lines) => lines.iter().for_each(|l| self.line(l, out)),
            Err(err) => {
                self.done = true;
                out.push_back(Err(LlmError::Protocol {
                    what: "the chat answer",
                    detail: err.to_string(),
                }));
            }
        }
    }

    fn finish(&mut self, out: &mut VecDeque<Result<ChatEvent, LlmError>>) {
        if self.done {
            return;
        }
        match self.lines.finish() {
            Ok(Some(line)) => self.line(&line, out),
            Ok(None) => {}
            Err(err) => {
                self.done = true;
                out.push_back(Err(LlmError::Protocol {
                    what: "the chat answer",
                    detail: err.to_string(),
                }));
            }
        }
        if !self.done {
            self.done = true;
            out.push_back(Err(LlmError::Interrupted {
                detail: "the connection closed before the answer was complete".into(),
            }));
        }
    }
}

impl ChatModel for Ollama {
    fn models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>, LlmError>> {
        Box::pin(async move {
            let body = self
                .get_json(
                    http::endpoint(&self.base, "api/tags"),
                    "the model list",
                    BODY_LIMIT,
                )
                .await?;
            parse_tags(&body)
        })
    }

    fn chat(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatStream, LlmError>> {
        Box::pin(async move {
            let what = "the chat request";
            let body = ChatBody {
                model: &request.model,
                messages: &request.messages,
                stream: true,
            };
            let http_request = self
                .client
                .post(http::endpoint(&self.base, "api/chat"))
                .json(&body);
            let mut response = self.send(http_request, what).await?;
            self.check_status(&mut response, what, Some(&request.model))
                .await?;
            Ok(chat_stream(
                response,
                NdjsonChat::new(),
                self.options.stall_timeout,
            ))
        })
    }
}

#[derive(Serialize)]
struct EmbedBody<'a> {
    model: &'a str,
    input: &'a [String],
    truncate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<u32>,
}

#[derive(Deserialize)]
struct EmbedReply {
    embeddings: Vec<Vec<f32>>,
}

impl Embedder for Ollama {
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
                truncate: true,
                dimensions: self.options.embed_dimensions,
            };
            let request = self
                .client
                .post(http::endpoint(&self.base, "api/embed"))
                .timeout(self.options.request_timeout)
                .json(&body);
            let mut response = self.send(request, what).await?;
            self.check_status(&mut response, what, Some(model)).await?;
            let body = self.read(&mut response, what, BODY_LIMIT).await?;
            let reply: EmbedReply = http::parse_json(&body, what)?;
            http::check_vectors(
                reply.embeddings,
                inputs.len(),
                self.options.embed_dimensions,
                what,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_names_with_tags_and_missing_details() {
        let body = br#"{"models":[
            {"name":"llama3.2:3b","model":"llama3.2:3b","modified_at":"2024-10-01T00:00:00Z","size":2019393189,"digest":"a80c","details":{"format":"gguf","family":"llama","families":["llama"],"parameter_size":"3.2B","quantization_level":"Q4_K_M"}},
            {"name":"nomic-embed-text:latest","size":274302450}
        ]}"#;
        let models = parse_tags(body).expect("parses");
        assert_eq!(models[0].name, "llama3.2:3b");
        assert_eq!(models[0].parameter_size.as_deref(), Some("3.2B"));
        assert_eq!(models[0].quantization.as_deref(), Some("Q4_K_M"));
        assert_eq!(models[1].name, "nomic-embed-text:latest");
        assert_eq!(models[1].family, None);
        assert!(matches!(
            parse_tags(b"{\"models\":{}}"),
            Err(LlmError::Protocol { .. })
        ));
        assert!(matches!(parse_tags(b"[]"), Err(LlmError::Protocol { .. })));
    }

    #[test]
    fn chat_lines() {
        let token = br#"{"model":"m","created_at":"x","message":{"role":"assistant","content":"Hi"},"done":false}"#;
        assert_eq!(
            parse_chat_line(token).expect("ok"),
            vec![ChatEvent::Token("Hi".into())]
        );
        let done = br#"{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":5,"eval_count":2}"#;
        let [ChatEvent::Done(stats)] = &parse_chat_line(done).expect("ok")[..] else {
            panic!("not done");
        };
        assert_eq!(stats.done_reason.as_deref(), Some("stop"));
        assert_eq!(stats.eval_count, Some(2));
        let whole = br#"{"message":{"role":"assistant","content":"All at once"},"done":true}"#;
        let events = parse_chat_line(whole).expect("ok");
        assert_eq!(events[0], ChatEvent::Token("All at once".into()));
        assert!(matches!(events[1], ChatEvent::Done(_)));
        assert!(matches!(
            parse_chat_line(br#"{"error":"out of memory"}"#),
            Err(LlmError::Interrupted { .. })
        ));
        assert!(matches!(
            parse_chat_line(b"{\"done\":\"yes\"}"),
            Err(LlmError::Protocol { .. })
        ));
        assert!(matches!(
            parse_chat_line(b"\xff\xfe"),
            Err(LlmError::Protocol { .. })
        ));
    }

    fn run(framing: &mut impl Framing, chunks: &[&[u8]]) -> Vec<Result<ChatEvent, LlmError>> {
        let mut out = VecDeque::new();
        for c in chunks {
            framing.push(c, &mut out);
        }
        framing.finish(&mut out);
        out.into()
    }

    use crate::ndjson::tests::split_at_points;

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_split_of_a_valid_answer_gives_the_same_events(
            tokens in proptest::collection::vec("\\PC{1,8}", 0..20),
            crlf in any::<bool>(),
            points in proptest::collection::vec(any::<usize>(), 0..40),
        ) {
            let sep = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            for t in &tokens {
                let line = serde_json::json!({"model": "m", "created_at": "x",
                    "message": {"role": "assistant", "content": t}, "done": false});
                text.push_str(&format!("{line}{sep}"));
            }
            text.push_str(r#"{"model":"m","message":{"role":"assistant","content":""},"done":true,"eval_count":3}"#);
            let whole = run(&mut NdjsonChat::new(), &[text.as_bytes()]);
            let split = run(&mut NdjsonChat::new(), &split_at_points(text.as_bytes(), points));
            prop_assert_eq!(&whole, &split);
            let expected: Vec<_> = tokens.iter().map(|t| Ok(ChatEvent::Token(t.clone()))).collect();
            prop_assert_eq!(&whole[..tokens.len()], &expected[..]);
            prop_assert!(matches!(whole.last(), Some(Ok(ChatEvent::Done(s))) if s.eval_count == Some(3)));
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_always_end(
            bytes in proptest::collection::vec(any::<u8>(), 0..3000),
            points in proptest::collection::vec(any::<usize>(), 0..20),
        ) {
            let events = run(&mut NdjsonChat::new(), &split_at_points(&bytes, points));
            // The stream always ends in exactly one Done or one error, with nothing after it.
            let ends = events.iter().filter(|e| matches!(e, Err(_) | Ok(ChatEvent::Done(_)))).count();
            prop_assert_eq!(ends, 1);
            prop_assert!(matches!(events.last(), Some(Err(_) | Ok(ChatEvent::Done(_)))));
        }
    }
}
