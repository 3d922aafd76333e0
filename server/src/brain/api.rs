//! `/api/brain/…`: the chat stream, conversations, the model list and choice, and the index's
//! status, for signed-in users; starting an index run is under `/api/admin/brain/…`.

use std::convert::Infallible;
use std::time::Duration;

use app::auth::Identity;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::json;
use workbench_brain::BrainError;
use workbench_brain_api::{
    ChatRequest, IndexRequest, IndexView, MAX_MODEL_BYTES, MAX_QUESTION_BYTES, ModelOption, Models,
    SelectModel, SourceView,
};

use super::BrainService;
use super::answer::{self, Ask, AskError};
use crate::state::AppState;

/// Largest request body: a question and a little JSON around it.
const MAX_BODY: usize = 32 * 1024;
/// Bound on asking the model server for its models.
const MODELS_TIMEOUT: Duration = Duration::from_secs(5);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/brain/chat", post(chat))
        .route("/api/brain/conversations", get(list))
        .route("/api/brain/conversations/{id}", get(one).delete(remove))
        .route("/api/brain/models", get(models))
        .route("/api/brain/model", put(select_model))
        .route("/api/brain/index", get(index_status))
        .route("/api/admin/brain/index", post(start_index))
        .route(
            "/workbench/brain/notes/{dir}/{*path}",
            get(super::notes::page),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// An answer other than success: `{"error": {"code", "message"}}` with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

pub fn error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError {
        status,
        code,
        message: message.to_string(),
    }
}

/// A store failure: logged, never shown; `?` on the store's results goes through here.
impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        internal(err)
    }
}

fn no_conversation() -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        "That conversation does not exist.",
    )
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %err, "brain API failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on the server; see its log.",
    )
}

/// Who owns conversations and preferences: the Access e-mail, or `local`.
pub fn owner(identity: &Identity) -> String {
    identity
        .email
        .clone()
        .unwrap_or_else(|| identity.name.clone())
}

fn signed_in(identity: Option<Extension<Identity>>) -> Result<Identity, ApiError> {
    identity.map(|Extension(i)| i).ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in to use the Brain.",
        )
    })
}

/// Reads a JSON body with errors a person can act on.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|err| {
        let what = if err.is_syntax() || err.is_eof() {
            "The request body is not valid JSON.".to_string()
        } else {
            format!("The request body has the wrong shape: {err}.")
        };
        error(StatusCode::BAD_REQUEST, "bad_request", &what)
    })
}

/// A model name as Ollama prints it: letters, digits and `._-:/`, at most 200 bytes.
pub fn valid_model(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_MODEL_BYTES
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c))
}

async fn chat(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
    body: Bytes,
) -> ApiResult {
    let identity = signed_in(identity)?;
    let request: ChatRequest = parse(&body)?;
    let question = request.question.trim();
    if question.is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Type a question first.",
        ));
    }
    if question.len() > MAX_QUESTION_BYTES {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &format!(
                "A question can be at most {} KB; shorten it.",
                MAX_QUESTION_BYTES / 1024
            ),
        ));
    }
    if let Some(m) = request.model.as_deref()
        && !valid_model(m)
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "bad_model",
            "That is not a model name.",
        ));
    }
    let service = &state.brain;
    let owner = owner(&identity);
    let model = service.model_for(&owner, request.model.as_deref()).await;
    let ask = Ask {
        owner,
        conversation_id: request.conversation_id,
        question: question.to_string(),
        model,
    };
    match answer::ask(service, ask).await {
        Ok(events) => {
            let lines = events.map(|event| {
                let mut line = serde_json::to_vec(&event).unwrap_or_default();
                line.push(b'\n');
                Ok::<_, Infallible>(Bytes::from(line))
            });
            Ok((
                [
                    (header::CONTENT_TYPE, "application/x-ndjson"),
                    (header::CACHE_CONTROL, "no-store"),
                    // Proxies (nginx) must pass each line on as it comes.
                    (header::HeaderName::from_static("x-accel-buffering"), "no"),
                ],
                Body::from_stream(lines),
            )
                .into_response())
        }
        Err(AskError::NoSuchConversation) => Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "That conversation does not exist (it may have been deleted); start a new one.",
        )),
        Err(AskError::Store(err)) => Err(internal(err)),
    }
}

fn conversation_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "A conversation id is a positive number.",
        )
    })
}

async fn list(State(state): State<AppState>, identity: Option<Extension<Identity>>) -> ApiResult {
    let identity = signed_in(identity)?;
    let list = state.brain.conversations.list(&owner(&identity)).await?;
    Ok(Json(list).into_response())
}

async fn one(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
    Path(id): Path<String>,
) -> ApiResult {
    let identity = signed_in(identity)?;
    let id = conversation_id(&id)?;
    match state.brain.conversations.get(&owner(&identity), id).await? {
        Some(c) => Ok(Json(c).into_response()),
        None => Err(no_conversation()),
    }
}

async fn remove(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
    Path(id): Path<String>,
) -> ApiResult {
    let identity = signed_in(identity)?;
    let id = conversation_id(&id)?;
    if state
        .brain
        .conversations
        .delete(&owner(&identity), id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(no_conversation())
    }
}

/// The model server's models, parsed from its JSON list.
async fn available_models(service: &BrainService) -> Result<Vec<ModelOption>, String> {
    let Some(chat) = service.chat.clone() else {
        return Err("No model server is connected: run Ollama and set brain.ollama_url \
                    (WORKBENCH_BRAIN__OLLAMA_URL=http://127.0.0.1:11434). Answers come from retrieval alone."
            .into());
    };
    match tokio::time::timeout(MODELS_TIMEOUT, chat.models()).await {
        Ok(Ok(list)) => Ok(list
            .into_iter()
            .map(|m| {
                let detail = [m.parameter_size, m.quantization]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                ModelOption {
                    name: m.name,
                    detail,
                }
            })
            .collect()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!(
            "The model server did not list its models within {} s; is it busy or down?",
            MODELS_TIMEOUT.as_secs()
        )),
    }
}

async fn models(State(state): State<AppState>, identity: Option<Extension<Identity>>) -> ApiResult {
    let identity = signed_in(identity)?;
    let service = &state.brain;
    let selected = service.model_for(&owner(&identity), None).await;
    let (models, problem) = match available_models(service).await {
        Ok(list) if list.is_empty() => (
            list,
            Some(
                "The model server has no models yet; pull one, e.g. `ollama pull llama3.2:3b`."
                    .into(),
            ),
        ),
        Ok(list) => (list, None),
        Err(problem) => (Vec::new(), Some(problem)),
    };
    Ok(Json(Models {
        models,
        selected,
        problem,
        connected: service.chat.is_some(),
    })
    .into_response())
}

async fn select_model(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
    body: Bytes,
) -> ApiResult {
    let identity = signed_in(identity)?;
    let SelectModel { model } = parse(&body)?;
    if !valid_model(&model) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "bad_model",
            "That is not a model name.",
        ));
    }
    // When the server answers, only a model it has may be chosen.
    if let Ok(list) = available_models(&state.brain).await
        && !list.iter().any(|m| m.name == model)
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "unknown_model",
            &format!(
                "The model server has no model {model:?}; pull it with `ollama pull {model}`."
            ),
        ));
    }
    state
        .brain
        .conversations
        .set_model(&owner(&identity), &model)
        .await?;
    Ok(Json(json!({ "selected": model })).into_response())
}

async fn index_status(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
) -> ApiResult {
    let identity = signed_in(identity)?;
    let index = state.brain.index.clone();
    let status = match tokio::task::spawn_blocking(move || index.status()).await {
        Ok(Ok(s)) => s,
        Ok(Err(err)) => return Err(internal(err)),
        Err(err) => return Err(internal(err)),
    };
    let active = status.active.as_ref();
    let p = &status.progress;
    let problem = if state.brain.chat.is_none() {
        Some(
            "No embedding model is connected, so search is by keywords only. Run Ollama and set \
              brain.ollama_url to add meaning-based search."
                .to_string(),
        )
    } else {
        None
    };
    Ok(Json(IndexView {
        sources: status
            .sources
            .iter()
            .map(|s| SourceView {
                name: s.name.clone(),
                documents: s.documents,
                chunks: s.chunks,
            })
            .collect(),
        chunks: status.chunks,
        embedded: active.map_or(0, |g| g.embedded),
        model: active.map(|g| g.model.clone()),
        dims: active.map(|g| g.dims),
        building: status
            .building
            .as_ref()
            .map(|g| format!("{} ({} dims)", g.model, g.dims)),
        failed_batches: status.failed_batches,
        problems: status
            .problems
            .iter()
            .take(50)
            .map(|p| format!("{}: {}: {}", p.source, p.path, p.problem))
            .collect(),
        running: p.running,
        phase: format!("{:?}", p.phase).to_lowercase(),
        done: p.done,
        total: p.total,
        rate: p.rate,
        eta_secs: p.eta_secs,
        message: p.message.clone(),
        problem,
        can_index: identity.admin,
    })
    .into_response())
}

async fn start_index(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let request: IndexRequest = if body.iter().all(u8::is_ascii_whitespace) {
        IndexRequest::default()
    } else {
        parse(&body)?
    };
    match state.brain.index.start_index(request.rebuild) {
        Ok(()) => Ok((StatusCode::ACCEPTED, Json(json!({ "started": true }))).into_response()),
        Err(BrainError::AlreadyRunning) => Err(error(
            StatusCode::CONFLICT,
            "already_running",
            "An index run is already going; watch its progress.",
        )),
        Err(err) => Err(internal(err)),
    }
}
