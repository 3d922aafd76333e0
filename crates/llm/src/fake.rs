//! An in-process fake Ollama for tests and Playwright: an HTTP server on 127.0.0.1 that
//! follows `ollama-api.md` (`/api/tags`, `/api/chat` NDJSON, `/api/embed`, `/api/version`,
//! and the OpenAI-compatible `/v1` routes), with knobs a test turns at run time to make it
//! split lines, crawl, stall, die mid-answer, fail, or change its vectors.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{HashEmbedder, ModelInfo};

/// The answer the fake streams unless told otherwise: Markdown with bold text, a list and
/// citations, and a few characters of more than one byte so split writes cut through them.
pub const DEFAULT_ANSWER: &str = "Based on your notes, **Docker Compose** restarts a container \
according to its `restart` policy [1].\n\n- `unless-stopped` keeps it running across reboots [1]\n\
- `on-failure` retries only after a crash, with a back-off [2]\n\nSo for a homelab service \
that must survive a power cut, `unless-stopped` is the usual choice — see the cited notes [1][2].";

/// How the fake starts; every field can be changed later through [`FakeHandle`].
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    pub models: Vec<ModelInfo>,
    pub answer: String,
    pub token_delay: Duration,
    /// The embedding size when a request names no `dimensions`.
    pub dims: usize,
    /// When set, the `/v1` routes want `Authorization: Bearer <key>`.
    pub api_key: Option<String>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            models: default_models(),
            answer: DEFAULT_ANSWER.into(),
            token_delay: Duration::ZERO,
            dims: 768,
            api_key: None,
        }
    }
}

pub fn default_models() -> Vec<ModelInfo> {
    let model = |name: &str, family: &str, params: &str, quant: &str, size: u64| ModelInfo {
        name: name.into(),
        family: Some(family.into()),
        parameter_size: Some(params.into()),
        quantization: Some(quant.into()),
        size: Some(size),
    };
    vec![
        model("llama3.2:3b", "llama", "3.2B", "Q4_K_M", 2_019_393_189),
        model(
            "qwen2.5:7b-instruct",
            "qwen2",
            "7.6B",
            "Q4_K_M",
            4_683_087_332,
        ),
        model(
            "nomic-embed-text:latest",
            "nomic-bert",
            "137M",
            "F16",
            274_302_450,
        ),
    ]
}

/// A reply given verbatim, once, instead of the fake's own: hostile and malformed answers.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub status: u16,
    pub content_type: String,
    /// Written one after another with a short pause, so each is its own read.
    pub chunks: Vec<Vec<u8>>,
    /// Drop the connection after the chunks instead of ending the body.
    pub abort: bool,
}

impl RawReply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: content_type.into(),
            chunks: vec![body.into()],
            abort: false,
        }
    }
}

#[derive(Debug)]
struct Knobs {
    models: Vec<ModelInfo>,
    answer: String,
    token_delay: Duration,
    dims: usize,
    api_key: Option<String>,
    split_writes: Option<usize>,
    stall_after: Option<usize>,
    die_after: Option<usize>,
    fail_next: u32,
    embed_delay: Duration,
    chat_delay: Duration,
    raw: HashMap<String, VecDeque<RawReply>>,
    record_send_times: bool,
}

#[derive(Debug)]
struct Shared {
    knobs: Mutex<Knobs>,
    counts: Mutex<HashMap<String, u64>>,
    send_times: Mutex<Vec<Instant>>,
    shutdown: watch::Receiver<bool>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock must not take the fake down with it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct FakeOllama;

impl FakeOllama {
    pub async fn start(config: FakeConfig) -> io::Result<FakeHandle> {
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            knobs: Mutex::new(Knobs {
                models: config.models,
                answer: config.answer,
                token_delay: config.token_delay,
                dims: config.dims.max(1),
                api_key: config.api_key,
                split_writes: None,
                stall_after: None,
                die_after: None,
                fail_next: 0,
                embed_delay: Duration::ZERO,
                chat_delay: Duration::ZERO,
                raw: HashMap::new(),
                record_send_times: false,
            }),
            counts: Mutex::new(HashMap::new()),
            send_times: Mutex::new(Vec::new()),
            shutdown: stop_rx.clone(),
        });
        let app = Router::new()
            .route("/", get(|| async { "Ollama is running" }))
            .route("/api/version", get(version))
            .route("/api/tags", get(tags))
            .route("/api/chat", post(chat))
            .route("/api/embed", post(embed))
            .route("/v1/models", get(v1_models))
            .route("/v1/chat/completions", post(v1_chat))
            .route("/v1/embeddings", post(v1_embeddings))
            .fallback(not_found)
            .with_state(shared.clone());
        let mut stop = stop_rx;
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(%err, "the fake Ollama stopped");
            }
        });
        Ok(FakeHandle {
            addr,
            shared,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

/// The running fake. Dropping it stops the server too.
#[derive(Debug)]
pub struct FakeHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FakeHandle {
    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn knobs(&self) -> MutexGuard<'_, Knobs> {
        lock(&self.shared.knobs)
    }

    /// Write every NDJSON line / SSE event in pieces of `n` bytes (mid-line, mid-character).
    pub fn set_split_writes(&self, n: Option<usize>) {
        self.knobs().split_writes = n.map(|n| n.max(1));
    }

    pub fn set_token_delay(&self, delay: Duration) {
        self.knobs().token_delay = delay;
    }

    /// After `n` tokens, keep the connection open and send nothing more.
    pub fn set_stall_after(&self, n: Option<usize>) {
        self.knobs().stall_after = n;
    }

    /// After `n` tokens, drop the connection without the `done` line.
    pub fn set_die_after(&self, n: Option<usize>) {
        self.knobs().die_after = n;
    }

    /// The next `n` requests (any route) get HTTP 500 with `{"error": …}`.
    pub fn fail_next(&self, n: u32) {
        self.knobs().fail_next = n;
    }

    pub fn set_embed_delay(&self, delay: Duration) {
        self.knobs().embed_delay = delay;
    }

    /// Wait this long before a chat answer's headers, as Ollama does while it loads a model.
    pub fn set_chat_delay(&self, delay: Duration) {
        self.knobs().chat_delay = delay;
    }

    /// The embedding size for requests that name no `dimensions`.
    pub fn set_dims(&self, dims: usize) {
        self.knobs().dims = dims.max(1);
    }

    pub fn set_models(&self, models: Vec<ModelInfo>) {
        self.knobs().models = models;
    }

    pub fn set_answer(&self, answer: impl Into<String>) {
        self.knobs().answer = answer.into();
    }

    /// The next request to `route` (e.g. `/api/chat`) gets `reply` instead.
    pub fn push_raw_reply(&self, route: &str, reply: RawReply) {
        self.knobs()
            .raw
            .entry(route.to_owned())
            .or_default()
            .push_back(reply);
    }

    /// Requests seen on `route` (e.g. `/api/embed`), including failed ones.
    pub fn requests(&self, route: &str) -> u64 {
        lock(&self.shared.counts).get(route).copied().unwrap_or(0)
    }

    /// Note the instant each chat token is handed to the HTTP server (for the benchmark).
    pub fn record_send_times(&self, on: bool) {
        self.knobs().record_send_times = on;
    }

    pub fn take_send_times(&self) -> Vec<Instant> {
        std::mem::take(&mut *lock(&self.shared.send_times))
    }

    /// Stops listening, ends stalled answers, and waits (briefly) for the server to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Counts the request, then answers it from the queue of raw replies or with an injected
/// failure when either is due.
fn prelude(shared: &Shared, route: &str, openai: bool) -> Option<Response> {
    *lock(&shared.counts).entry(route.to_owned()).or_default() += 1;
    let mut knobs = lock(&shared.knobs);
    if let Some(reply) = knobs.raw.get_mut(route).and_then(VecDeque::pop_front) {
        return Some(raw_response(reply));
    }
    if knobs.fail_next > 0 {
        knobs.fail_next -= 1;
        return Some(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "llama runner process has terminated: fake failure",
            openai,
        ));
    }
    None
}

fn error(status: StatusCode, message: &str, openai: bool) -> Response {
    let body = if openai {
        json!({"error": {"message": message, "type": "api_error", "param": null, "code": null}})
    } else {
        json!({ "error": message })
    };
    (status, axum::Json(body)).into_response()
}

fn json_response(body: Value) -> Response {
    axum::Json(body).into_response()
}

fn raw_response(reply: RawReply) -> Response {
    let mut steps: Vec<Step> = Vec::new();
    for chunk in reply.chunks {
        steps.push(Step::Bytes(Bytes::from(chunk), false));
        steps.push(Step::Sleep(Duration::from_millis(1)));
    }
    if reply.abort {
        steps.push(Step::Sleep(Duration::from_millis(20)));
        steps.push(Step::Die);
    }
    Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, reply.content_type)
        .body(Body::from_stream(script(steps, None)))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn not_found(uri: Uri) -> Response {
    tracing::debug!(%uri, "the fake Ollama has no such route");
    (StatusCode::NOT_FOUND, "404 page not found").into_response()
}

async fn version(State(shared): State<Arc<Shared>>) -> Response {
    if let Some(r) = prelude(&shared, "/api/version", false) {
        return r;
    }
    json_response(json!({ "version": "0.12.6" }))
}

async fn tags(State(shared): State<Arc<Shared>>) -> Response {
    if let Some(r) = prelude(&shared, "/api/tags", false) {
        return r;
    }
    let models: Vec<Value> = lock(&shared.knobs)
        .models
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "model": m.name,
                "modified_at": "2026-11-01T10:00:00.000000000Z",
                "size": m.size.unwrap_or(0),
                "digest": format!("{:016x}", crate::hash_embed::fnv1a(m.name.as_bytes())),
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": m.family.clone().unwrap_or_default(),
                    "families": [m.family.clone().unwrap_or_default()],
                    "parameter_size": m.parameter_size.clone().unwrap_or_default(),
                    "quantization_level": m.quantization.clone().unwrap_or_default(),
                }
            })
        })
        .collect();
    json_response(json!({ "models": models }))
}

/// Ollama resolves a name without a tag to `:latest`.
fn has_model(models: &[ModelInfo], name: &str) -> bool {
    let full = if name.contains(':') {
        name.to_owned()
    } else {
        format!("{name}:latest")
    };
    models.iter().any(|m| m.name == full)
}

fn not_pulled(name: &str, openai: bool) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("model \"{name}\" not found, try pulling it first"),
        openai,
    )
}

/// The request's JSON object and its `model`, or the message of Ollama's 400.
fn parse_request(body: &[u8]) -> Result<(Value, String), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|err| format!("invalid request: {err}"))?;
    if !value.is_object() {
        return Err("invalid request: not an object".into());
    }
    match value.get("model").and_then(Value::as_str) {
        Some(model) if !model.is_empty() => {
            let model = model.to_owned();
            Ok((value, model))
        }
        _ => Err("model is required".into()),
    }
}

/// The answer cut into tokens the way a model emits them: each word with the space before it.
fn tokens(answer: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_space = true;
    for c in answer.chars() {
        if c.is_whitespace() && !prev_space && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_space = c.is_whitespace();
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[derive(Debug)]
enum Step {
    /// Bytes to write; `true` when they carry a token (its send time may be recorded).
    Bytes(Bytes, bool),
    Sleep(Duration),
    Yield,
    /// Hold the connection open, sending nothing, until the fake stops.
    Stall,
    /// Drop the connection.
    Die,
}

/// In an answer, replaced by the Unix time in microseconds at the moment the token is
/// written: the end-to-end latency benchmark reads it back in the browser.
pub const NOW_US: &str = "{{now_us}}";

fn stamp(bytes: Bytes) -> Bytes {
    let marker = NOW_US.as_bytes();
    if !bytes.windows(marker.len()).any(|w| w == marker) {
        return bytes;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&bytes).replace(NOW_US, &now.to_string());
    Bytes::from(text.into_bytes())
}

/// A body that plays `steps`. Ending the stream with an error makes hyper drop the
/// connection without the final chunk, as a crashed server would.
fn script(
    steps: Vec<Step>,
    shared: Option<Arc<Shared>>,
) -> impl futures::Stream<Item = Result<Bytes, io::Error>> + Send {
    futures::stream::unfold(
        (steps.into_iter(), shared),
        |(mut steps, shared)| async move {
            loop {
                match steps.next()? {
                    Step::Sleep(d) => tokio::time::sleep(d).await,
                    Step::Yield => tokio::task::yield_now().await,
                    Step::Bytes(bytes, token) => {
                        if token
                            && let Some(shared) = &shared
                            && lock(&shared.knobs).record_send_times
                        {
                            lock(&shared.send_times).push(Instant::now());
                        }
                        return Some((Ok(stamp(bytes)), (steps, shared)));
                    }
                    Step::Stall => {
                        if let Some(shared) = &shared {
                            let mut stop = shared.shutdown.clone();
                            let _ = stop.wait_for(|stopped| *stopped).await;
                        }
                        return Some((
                            Err(io::Error::other("the fake stopped while stalled")),
                            (steps, shared),
                        ));
                    }
                    Step::Die => {
                        return Some((
                            Err(io::Error::other("the fake died mid-answer")),
                            (steps, shared),
                        ));
                    }
                }
            }
        },
    )
}

/// One streamed answer: each frame in pieces if asked, a delay before each token, and a
/// stall or death after the configured token.
fn stream_frames(
    shared: &Arc<Shared>,
    token_frames: Vec<Vec<u8>>,
    tail: Vec<Vec<u8>>,
) -> Vec<Step> {
    let knobs = lock(&shared.knobs);
    let mut steps = Vec::new();
    let push_frame = |steps: &mut Vec<Step>, frame: Vec<u8>, token: bool| match knobs.split_writes {
        Some(n) => {
            for piece in frame.chunks(n) {
                steps.push(Step::Bytes(Bytes::copy_from_slice(piece), token));
                // A body that is not ready makes hyper flush, so each piece is its own write.
                steps.push(Step::Yield);
            }
        }
        None => steps.push(Step::Bytes(Bytes::from(frame), token)),
    };
    for (i, frame) in token_frames.into_iter().enumerate() {
        if knobs.stall_after == Some(i) {
            steps.push(Step::Stall);
            return steps;
        }
        if knobs.die_after == Some(i) {
            // Let hyper flush what was written, as a server that crashes later would have.
            steps.push(Step::Sleep(Duration::from_millis(20)));
            steps.push(Step::Die);
            return steps;
        }
        if !knobs.token_delay.is_zero() {
            steps.push(Step::Sleep(knobs.token_delay));
        }
        push_frame(&mut steps, frame, true);
    }
    if knobs.stall_after.is_some() {
        steps.push(Step::Stall);
        return steps;
    }
    if knobs.die_after.is_some() {
        steps.push(Step::Sleep(Duration::from_millis(20)));
        steps.push(Step::Die);
        return steps;
    }
    for frame in tail {
        push_frame(&mut steps, frame, false);
    }
    steps
}

fn line(value: Value) -> Vec<u8> {
    let mut bytes = value.to_string().into_bytes();
    bytes.push(b'\n');
    bytes
}

const CREATED_AT: &str = "2026-11-25T12:00:00.000000000Z";

async fn chat(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    if let Some(r) = prelude(&shared, "/api/chat", false) {
        return r;
    }
    let (request, model) = match parse_request(&body) {
        Ok(parsed) => parsed,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, false),
    };
    if !request.get("messages").is_some_and(Value::is_array) {
        return error(StatusCode::BAD_REQUEST, "messages must be an array", false);
    }
    let (answer, known, delay) = {
        let knobs = lock(&shared.knobs);
        (
            knobs.answer.clone(),
            has_model(&knobs.models, &model),
            knobs.chat_delay,
        )
    };
    if !known {
        return not_pulled(&model, false);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let tokens = tokens(&answer);
    let stats = json!({
        "model": model,
        "created_at": CREATED_AT,
        "message": {"role": "assistant", "content": ""},
        "done": true,
        "done_reason": "stop",
        "total_duration": 1_250_000_000u64,
        "load_duration": 50_000_000u64,
        "prompt_eval_count": 42,
        "prompt_eval_duration": 200_000_000u64,
        "eval_count": tokens.len(),
        "eval_duration": 1_000_000_000u64,
    });
    if request.get("stream") == Some(&Value::Bool(false)) {
        let mut whole = stats;
        whole["message"]["content"] = Value::String(answer);
        return json_response(whole);
    }
    let frames = tokens
        .iter()
        .map(|t| {
            line(json!({
                "model": model,
                "created_at": CREATED_AT,
                "message": {"role": "assistant", "content": t},
                "done": false,
            }))
        })
        .collect();
    let steps = stream_frames(&shared, frames, vec![line(stats)]);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from_stream(script(steps, Some(shared.clone()))))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `input` as Ollama takes it: one string or an array of strings.
fn inputs(request: &Value) -> Option<Vec<String>> {
    match request.get("input")? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// Vectors for `inputs`, after the configured delay; `Err` for an unknown model.
async fn vectors(shared: &Shared, request: &Value, model: &str) -> Result<Vec<Vec<f32>>, ()> {
    let (delay, dims, known) = {
        let knobs = lock(&shared.knobs);
        (
            knobs.embed_delay,
            knobs.dims,
            has_model(&knobs.models, model),
        )
    };
    if !known {
        return Err(());
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let dims = request
        .get("dimensions")
        .and_then(Value::as_u64)
        .filter(|d| *d > 0)
        .map_or(dims, |d| d.min(1 << 16) as usize);
    let embedder = HashEmbedder::new(model, dims);
    Ok(inputs(request)
        .unwrap_or_default()
        .iter()
        .map(|t| embedder.vector(t))
        .collect())
}

async fn embed(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    if let Some(r) = prelude(&shared, "/api/embed", false) {
        return r;
    }
    let (request, model) = match parse_request(&body) {
        Ok(parsed) => parsed,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, false),
    };
    let Some(texts) = inputs(&request) else {
        return error(StatusCode::BAD_REQUEST, "invalid input type", false);
    };
    match vectors(&shared, &request, &model).await {
        Err(()) => not_pulled(&model, false),
        Ok(vectors) => json_response(json!({
            "model": model,
            "embeddings": vectors,
            "total_duration": 14_143_917u64,
            "load_duration": 1_019_500u64,
            "prompt_eval_count": texts.iter().map(|t| t.split_whitespace().count()).sum::<usize>(),
        })),
    }
}

fn authorised(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(key) = lock(&shared.knobs).api_key.clone() else {
        return true;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        == Some(key.as_str())
}

fn v1_prelude(shared: &Shared, route: &str, headers: &HeaderMap) -> Option<Response> {
    if let Some(r) = prelude(shared, route, true) {
        return Some(r);
    }
    if !authorised(shared, headers) {
        return Some(error(StatusCode::UNAUTHORIZED, "invalid api key", true));
    }
    None
}

async fn v1_models(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(r) = v1_prelude(&shared, "/v1/models", &headers) {
        return r;
    }
    let data: Vec<Value> = lock(&shared.knobs)
        .models
        .iter()
        .map(|m| json!({"id": m.name, "object": "model", "created": 1_764_000_000, "owned_by": "library"}))
        .collect();
    json_response(json!({"object": "list", "data": data}))
}

fn sse(value: &Value) -> Vec<u8> {
    format!("data: {value}\n\n").into_bytes()
}

async fn v1_chat(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = v1_prelude(&shared, "/v1/chat/completions", &headers) {
        return r;
    }
    let (request, model) = match parse_request(&body) {
        Ok(parsed) => parsed,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, true),
    };
    let (answer, known) = {
        let knobs = lock(&shared.knobs);
        (knobs.answer.clone(), has_model(&knobs.models, &model))
    };
    if !known {
        return not_pulled(&model, true);
    }
    let tokens = tokens(&answer);
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": "chatcmpl-42", "object": "chat.completion.chunk", "created": 1_764_000_000,
            "model": model, "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    };
    let usage = json!({"prompt_tokens": 42, "completion_tokens": tokens.len(), "total_tokens": 42 + tokens.len()});
    if request.get("stream") != Some(&Value::Bool(true)) {
        return json_response(json!({
            "id": "chatcmpl-42", "object": "chat.completion", "created": 1_764_000_000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": usage,
        }));
    }
    let frames = tokens
        .iter()
        .map(|t| {
            sse(&chunk(
                json!({"role": "assistant", "content": t}),
                Value::Null,
            ))
        })
        .collect();
    let mut tail = vec![sse(&chunk(
        json!({"role": "assistant", "content": ""}),
        json!("stop"),
    ))];
    if request.pointer("/stream_options/include_usage") == Some(&Value::Bool(true)) {
        let mut last = chunk(json!({}), Value::Null);
        last["choices"] = json!([]);
        last["usage"] = usage;
        tail.push(sse(&last));
    }
    tail.push(b"data: [DONE]\n\n".to_vec());
    let steps = stream_frames(&shared, frames, tail);
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(script(steps, Some(shared.clone()))))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn v1_embeddings(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = v1_prelude(&shared, "/v1/embeddings", &headers) {
        return r;
    }
    let (request, model) = match parse_request(&body) {
        Ok(parsed) => parsed,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, true),
    };
    if inputs(&request).is_none() {
        return error(StatusCode::BAD_REQUEST, "invalid input type", true);
    }
    match vectors(&shared, &request, &model).await {
        Err(()) => not_pulled(&model, true),
        Ok(vectors) => {
            let data: Vec<Value> = vectors
                .into_iter()
                .enumerate()
                .map(|(i, v)| json!({"object": "embedding", "embedding": v, "index": i}))
                .collect();
            json_response(json!({
                "object": "list", "data": data, "model": model,
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_rebuild_the_answer() {
        let t = tokens(DEFAULT_ANSWER);
        assert_eq!(t.concat(), DEFAULT_ANSWER);
        assert!(t.len() > 30);
        assert_eq!(tokens(" a  b"), vec![" a", "  b"]);
    }

    #[test]
    fn untagged_names_mean_latest() {
        let models = default_models();
        assert!(has_model(&models, "nomic-embed-text"));
        assert!(has_model(&models, "llama3.2:3b"));
        assert!(!has_model(&models, "llama3.2"));
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    #[test]
    fn the_marker_becomes_the_send_time() {
        let plain = Bytes::from_static(br#"{"content":" hi"}"#);
        assert_eq!(stamp(plain.clone()), plain);
        let out = stamp(Bytes::from(format!(r#"{{"content":" t{NOW_US}"}}"#)));
        let text = String::from_utf8(out.to_vec()).unwrap();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(digits.len() >= 16, "{text}");
        assert!(!text.contains(NOW_US), "{text}");
    }
}
