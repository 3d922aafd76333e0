//! One question to one streamed answer: retrieve passages, tell the browser its sources, ask
//! the model with them, and pass the answer on as it arrives, rendered. Without a model (none
//! configured, or it cannot be reached) the answer is the passages themselves. Whatever
//! arrived is kept, also when the model stalls or dies or the reader presses stop.

use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use tokio::sync::mpsc;
use workbench_brain::{Retrieval, RetrievalMode};
use workbench_brain_api::{AnswerStats, ChatEvent, Citation};
use workbench_llm::{ChatEvent as ModelEvent, ChatRequest, ChatStats};

use super::BrainService;
use super::conversations::Answer;
use super::prompt;

/// Events buffered between the model and a slow reader before the model is made to wait.
const BUFFER: usize = 256;

pub struct Ask {
    pub owner: String,
    pub conversation_id: Option<i64>,
    pub question: String,
    pub model: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("there is no such conversation")]
    NoSuchConversation,
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Starts answering; the stream ends after `Done` or `Error`. Dropping it stops the model.
pub async fn ask(
    service: &BrainService,
    ask: Ask,
) -> Result<impl Stream<Item = ChatEvent> + Send + 'static, AskError> {
    let conversation_id = service
        .conversations
        .begin(&ask.owner, ask.conversation_id, &ask.question)
        .await?
        .ok_or(AskError::NoSuchConversation)?;
    let (tx, rx) = mpsc::channel(BUFFER);
    let service = service.clone();
    tokio::spawn(async move {
        answer(service, conversation_id, ask, tx).await;
    });
    Ok(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (event, rx))
    }))
}

async fn answer(
    service: BrainService,
    conversation_id: i64,
    ask: Ask,
    tx: mpsc::Sender<ChatEvent>,
) {
    let out = Out { tx };
    out.send(ChatEvent::Start {
        conversation_id,
        model: service.chat.as_ref().map(|_| ask.model.clone()),
    })
    .await;
    let history = service
        .conversations
        .history(conversation_id)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "brain: could not read the conversation's history");
            Vec::new()
        });
    let retrieval = match service
        .index
        .retrieve(&ask.question, service.config.top_k)
        .await
    {
        Ok(r) => r,
        Err(err) => {
            tracing::warn!(error = %err, "brain: retrieval failed");
            Retrieval {
                passages: Vec::new(),
                mode: RetrievalMode::KeywordOnly {
                    reason:
                        "The index could not be searched; see the Index panel and the server log."
                            .into(),
                },
            }
        }
    };
    let citations = prompt::citations(&retrieval.passages);
    let (hybrid, reason) = match &retrieval.mode {
        RetrievalMode::Hybrid => (true, None),
        RetrievalMode::KeywordOnly { reason } => (false, Some(reason.clone())),
    };
    out.send(ChatEvent::Sources {
        citations: citations.clone(),
        hybrid,
        reason,
    })
    .await;

    let Some(chat) = service.chat.clone() else {
        out.send(ChatEvent::Notice {
            message: "No model server is connected, so here are the best passages themselves. For \
                      written answers, run Ollama (https://ollama.com) and set brain.ollama_url, e.g. \
                      WORKBENCH_BRAIN__OLLAMA_URL=http://127.0.0.1:11434."
                .into(),
        })
        .await;
        return retrieval_only(&service, conversation_id, &citations, &out).await;
    };
    let request = ChatRequest {
        model: ask.model.clone(),
        messages: prompt::messages(&retrieval.passages, &history, &ask.question),
    };
    let stall = Duration::from_secs(service.config.request_timeout_secs);
    let started = Instant::now();
    let mut stream = match tokio::time::timeout(stall, chat.chat(request)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => {
            out.send(ChatEvent::Notice {
                message: format!("{err}. Here are the best passages instead."),
            })
            .await;
            return retrieval_only(&service, conversation_id, &citations, &out).await;
        }
        Err(_) => {
            out.send(ChatEvent::Notice {
                message: format!(
                    "The model server did not start answering within {} s. Here are the best passages instead.",
                    stall.as_secs()
                ),
            })
            .await;
            return retrieval_only(&service, conversation_id, &citations, &out).await;
        }
    };

    let mut text = String::new();
    let mut stats = None;
    let error: Option<String> = loop {
        let next = tokio::select! {
            next = tokio::time::timeout(stall, stream.next()) => next,
            () = out.tx.closed() => break Some("Stopped.".into()),
        };
        match next {
            Err(_) => {
                break Some(format!(
                    "The model server stopped sending for {} s; the answer is incomplete. Try again.",
                    stall.as_secs()
                ));
            }
            Ok(None) => {
                break Some(
                    "The model server ended the answer before finishing it; try again.".into(),
                );
            }
            Ok(Some(Err(err))) => break Some(err.to_string()),
            Ok(Some(Ok(ModelEvent::Token(piece)))) => {
                text.push_str(&piece);
                let html = prompt::render(&text, &citations, false);
                if !out.send(ChatEvent::Token { text: piece, html }).await {
                    break Some("Stopped.".into());
                }
            }
            Ok(Some(Ok(ModelEvent::Done(s)))) => {
                stats = Some(answer_stats(&s, started.elapsed()));
                break None;
            }
        }
    };
    // Dropping the model's stream closes its connection, which stops generation.
    drop(stream);
    let html = prompt::render(&text, &citations, true);
    let stored = Answer {
        text: &text,
        html: &html,
        citations: &citations,
        model: Some(&ask.model),
        error: error.as_deref(),
    };
    if let Err(err) = service
        .conversations
        .add_answer(conversation_id, stored)
        .await
    {
        tracing::error!(error = %err, "brain: could not store the answer");
    }
    match error {
        None => out.send(ChatEvent::Done { html, stats }).await,
        Some(message) => out.send(ChatEvent::Error { message, html }).await,
    };
}

async fn retrieval_only(
    service: &BrainService,
    conversation_id: i64,
    citations: &[Citation],
    out: &Out,
) {
    let text = prompt::retrieval_answer(citations);
    let html = prompt::render(&text, citations, false);
    let stored = Answer {
        text: &text,
        html: &html,
        citations,
        model: None,
        error: None,
    };
    if let Err(err) = service
        .conversations
        .add_answer(conversation_id, stored)
        .await
    {
        tracing::error!(error = %err, "brain: could not store the answer");
    }
    out.send(ChatEvent::Token {
        text,
        html: html.clone(),
    })
    .await;
    out.send(ChatEvent::Done { html, stats: None }).await;
}

fn answer_stats(s: &ChatStats, elapsed: Duration) -> AnswerStats {
    let tokens_per_s = match (s.eval_count, s.eval_duration) {
        (Some(n), Some(ns)) if ns > 0 => Some(n as f64 / (ns as f64 / 1e9)),
        _ => None,
    };
    AnswerStats {
        tokens: s.eval_count,
        tokens_per_s,
        total_ms: Some(elapsed.as_millis() as u64),
    }
}

struct Out {
    tx: mpsc::Sender<ChatEvent>,
}

impl Out {
    /// False when the reader has gone.
    async fn send(&self, event: ChatEvent) -> bool {
        self.tx.send(event).await.is_ok()
    }
}
