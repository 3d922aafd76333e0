//! What both HTTP clients share: one way to turn reqwest's errors, HTTP error bodies and
//! over-long or stalled responses into [`LlmError`]s a user can act on.

use std::error::Error as _;
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Response, StatusCode};
use url::Url;

use crate::LlmError;

/// An error body is read at most this far: it only feeds a one-line message.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// A message quoted from the model server is cut here.
const MESSAGE_LIMIT: usize = 300;
/// A whole JSON answer (model list, a batch of vectors) is refused beyond this.
pub(crate) const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The base URL as it may be shown to a user or written to a log: no user name, password,
/// query or fragment (a reverse proxy's credentials may ride in any of them).
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// A base URL that `Url::join` extends rather than replaces: its path ends in `/`.
pub(crate) fn base_url(raw: &str) -> Result<Url, LlmError> {
    let mut url = Url::parse(raw.trim()).map_err(|_| LlmError::NotConfigured)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(LlmError::NotConfigured);
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

pub(crate) fn endpoint(base: &Url, path: &str) -> Url {
    // `path` is one of our constants, relative, so joining cannot fail; the base is kept if
    // it somehow does, and the request then fails with a clear status.
    base.join(path).unwrap_or_else(|_| base.clone())
}

pub(crate) fn ceil_secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX)
}

/// The error and its causes on one line, bounded, without the URL reqwest puts in.
pub(crate) fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    clip(&text, MESSAGE_LIMIT)
}

/// Maps a failed `send()`: nothing answered at all, or it answered too slowly.
pub(crate) fn send_error(
    err: reqwest::Error,
    url: &str,
    what: &'static str,
    timeout: Duration,
) -> LlmError {
    if err.is_timeout() {
        LlmError::Timeout {
            what,
            secs: ceil_secs(timeout),
        }
    } else {
        // Refused, or accepted and closed before a status line: either way nothing answers.
        LlmError::Unreachable {
            url: url.to_owned(),
            detail: describe(err),
        }
    }
}

/// Waits for the next piece of a body, at most `stall`.
pub(crate) async fn next_chunk(
    response: &mut Response,
    stall: Duration,
    what: &'static str,
) -> Result<Option<Bytes>, LlmError> {
    match tokio::time::timeout(stall, response.chunk()).await {
        Err(_) => Err(LlmError::Timeout {
            what,
            secs: ceil_secs(stall),
        }),
        Ok(Err(err)) if err.is_timeout() => Err(LlmError::Timeout {
            what,
            secs: ceil_secs(stall),
        }),
        Ok(Err(err)) => Err(LlmError::Interrupted {
            detail: describe(err),
        }),
        Ok(Ok(chunk)) => Ok(chunk),
    }
}

/// Reads a whole (non-streamed) body, refusing more than `limit` bytes.
pub(crate) async fn read_body(
    response: &mut Response,
    limit: usize,
    stall: Duration,
    what: &'static str,
) -> Result<Vec<u8>, LlmError> {
    if let Some(len) = response.content_length()
        && len > limit as u64
    {
        return Err(too_large(what, limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = next_chunk(response, stall, what)
        .await
        .map_err(|err| match err {
            // A body cut short is not "mid-answer" here: the JSON is simply incomplete.
            LlmError::Interrupted { detail } => LlmError::Protocol { what, detail },
            other => other,
        })?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large(what, limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(crate) fn too_large(what: &'static str, limit: usize) -> LlmError {
    LlmError::Protocol {
        what,
        detail: format!("the response is larger than {} MB", limit / (1024 * 1024)),
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &'static str,
) -> Result<T, LlmError> {
    serde_json::from_slice(body).map_err(|err| LlmError::Protocol {
        what,
        detail: clip(&format!("not the JSON expected: {err}"), MESSAGE_LIMIT),
    })
}

/// The server's own words for an HTTP error: Ollama's `{"error": "…"}`, the OpenAI form
/// `{"error": {"message": "…"}}`, or a short plain-text body; else the status's reason.
pub(crate) async fn error_message(response: &mut Response, stall: Duration) -> String {
    let status = response.status();
    let mut body = Vec::new();
    // The start of an over-long error body still says what went wrong.
    while body.len() < ERROR_BODY_LIMIT {
        match next_chunk(response, stall, "an error").await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(ERROR_BODY_LIMIT);
    message_from_body(status, &body)
}

pub(crate) fn message_from_body(status: StatusCode, body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let error = v.get("error")?;
            error
                .as_str()
                .or_else(|| error.get("message").and_then(|m| m.as_str()))
                .map(str::to_owned)
        });
    let text = match from_json {
        Some(text) => text,
        None => match std::str::from_utf8(body) {
            // An HTML page from a proxy says nothing useful on one line.
            Ok(text) if !text.trim().is_empty() && !text.trim_start().starts_with('<') => {
                text.to_owned()
            }
            _ => status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned(),
        },
    };
    clip(&text, MESSAGE_LIMIT)
}

/// At most `max` characters on one line, control characters dropped.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out.trim().to_owned()
}

/// `Ok` for a 2xx answer; otherwise the server's refusal as an error (logged with the
/// server's shown address): `ModelNotFound` when a model was asked for and is missing, else
/// `Status` with the server's own words.
pub(crate) async fn check_status(
    response: &mut Response,
    stall: Duration,
    shown: &str,
    what: &'static str,
    model: Option<&str>,
) -> Result<(), LlmError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let message = error_message(response, stall).await;
    tracing::warn!(url = %shown, %status, %message, "the model server refused {what}");
    match model {
        Some(model) if is_model_not_found(status, &message) => {
            Err(LlmError::ModelNotFound(model.to_owned()))
        }
        _ => Err(LlmError::Status {
            what,
            status: status.as_u16(),
            message,
        }),
    }
}

/// A 404 whose message says the model is missing (Ollama: `model "x" not found, try pulling
/// it first`); other 404s (a wrong base path) stay HTTP errors.
pub(crate) fn is_model_not_found(status: StatusCode, message: &str) -> bool {
    status == StatusCode::NOT_FOUND
        && message.to_ascii_lowercase().contains("not found")
        && message.to_ascii_lowercase().contains("model")
}

/// Scales a vector to unit length; `None` for a vector with a non-finite or all-zero entry set.
pub(crate) fn normalise(mut v: Vec<f32>) -> Option<Vec<f32>> {
    if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return None;
    }
    if (norm - 1.0).abs() > 1e-4 {
        v.iter_mut()
            .for_each(|x| *x = (f64::from(*x) / norm) as f32);
    }
    Some(v)
}

/// Checks a batch of vectors: one per input, all of one (expected) size, finite, non-zero.
pub(crate) fn check_vectors(
    vectors: Vec<Vec<f32>>,
    inputs: usize,
    dimensions: Option<u32>,
    what: &'static str,
) -> Result<Vec<Vec<f32>>, LlmError> {
    if vectors.len() != inputs {
        return Err(LlmError::Protocol {
            what,
            detail: format!("{} vectors for {inputs} inputs", vectors.len()),
        });
    }
    let dims = vectors.first().map(Vec::len).unwrap_or(0);
    if let Some(want) = dimensions
        && inputs > 0
        && dims != want as usize
    {
        return Err(LlmError::Protocol {
            what,
            detail: format!(
                "vectors of {dims} dimensions where {want} were asked for; does the model support `dimensions`?"
            ),
        });
    }
    vectors
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            if v.len() != dims {
                return Err(LlmError::Protocol {
                    what,
                    detail: format!(
                        "vector {i} has {} dimensions, the first has {dims}",
                        v.len()
                    ),
                });
            }
            normalise(v).ok_or_else(|| LlmError::Protocol {
                what,
                detail: format!("vector {i} is empty, zero or not finite"),
            })
        })
        .collect()
}
