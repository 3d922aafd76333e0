//! The chat: the messages, and the box to ask in. Enter sends, Shift+Enter breaks the line;
//! Stop ends the answer, keeping what arrived.

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_brain_api::{ChatEvent, ChatRequest, MAX_QUESTION_BYTES, Role};

use super::client::{self, Stop};
use super::message::MessageView;
use super::panel::{BrainState, Shown};

#[component]
pub fn ChatView() -> impl IntoView {
    let state = expect_context::<BrainState>();
    let input = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);

    let send = move || {
        let question = input.get_untracked().trim().to_string();
        if question.is_empty() || state.busy.get_untracked() {
            return;
        }
        if question.len() > MAX_QUESTION_BYTES {
            problem.set(Some(format!(
                "A question can be at most {} KB.",
                MAX_QUESTION_BYTES / 1024
            )));
            return;
        }
        problem.set(None);
        input.set(String::new());
        state.busy.set(true);
        state.stopped.set(false);
        state.push(Shown {
            role: Role::User,
            text: question.clone(),
            html: String::new(),
            citations: Vec::new(),
            notice: None,
            error: None,
            streaming: false,
            keyword_only: None,
        });
        let answer = state.push(Shown {
            role: Role::Assistant,
            text: String::new(),
            html: String::new(),
            citations: Vec::new(),
            notice: None,
            error: None,
            streaming: true,
            keyword_only: None,
        });
        let stop = Stop::new();
        state.stop.set_value(stop.clone());
        let request = ChatRequest {
            conversation_id: state.conversation.get_untracked(),
            question,
            model: Some(state.model.get_untracked()).filter(|m| !m.is_empty()),
        };
        spawn_local(async move {
            let result = client::ask(request, stop, move |event| apply(state, answer, event)).await;
            if let Err(e) = result {
                let message = if state.stopped.get_untracked() {
                    "Stopped.".to_string()
                } else {
                    e
                };
                answer.update(|a| {
                    if a.streaming {
                        a.streaming = false;
                        a.error = Some(message);
                    }
                });
            }
            answer.update(|a| a.streaming = false);
            state.stop.set_value(None);
            state.busy.set(false);
            state.refresh_list();
        });
    };
    let stop = move || {
        state.stopped.set(true);
        state.stop.with_value(|s| {
            if let Some(s) = s {
                s.stop();
            }
        });
    };

    view! {
        <div class="chat">
            <div class="messages" aria-live="polite">
                {move || state.messages.with(Vec::is_empty).then(|| view! {
                    <div class="chat-empty">
                        <h2>"Ask your notes"</h2>
                        <p class="dim">"Questions are answered from the Resources library and your notes folders, with the sources cited."</p>
                    </div>
                })}
                <For
                    each=move || state.messages.get()
                    key=|(key, _)| *key
                    children=move |(_, message)| view! { <MessageView message /> }
                />
            </div>
            <form
                class="composer"
                on:submit=move |ev| {
                    ev.prevent_default();
                    send();
                }
            >
                <label for="brain-question" class="visually-hidden">"Question"</label>
                <textarea
                    id="brain-question"
                    rows="2"
                    placeholder="Ask about your homelab… (Enter to send, Shift+Enter for a new line)"
                    prop:value=move || input.get()
                    on:input=move |ev| input.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            send();
                        }
                    }
                ></textarea>
                {move || if state.busy.get() {
                    view! { <button type="button" class="button stop" on:click=move |_| stop()>"Stop"</button> }.into_any()
                } else {
                    view! { <button type="submit" class="button primary send">"Ask"</button> }.into_any()
                }}
            </form>
            {move || problem.get().map(|p| view! { <p class="card-error" role="alert">{p}</p> })}
        </div>
    }
    .into_any()
}

/// One event of the answer stream onto the page.
fn apply(state: BrainState, answer: RwSignal<Shown>, event: ChatEvent) {
    match event {
        ChatEvent::Start {
            conversation_id, ..
        } => state.conversation.set(Some(conversation_id)),
        ChatEvent::Sources {
            citations,
            hybrid,
            reason,
        } => answer.update(|a| {
            a.citations = citations;
            a.keyword_only = (!hybrid)
                .then(|| reason.unwrap_or_default())
                .filter(|r| !r.is_empty());
        }),
        ChatEvent::Notice { message } => answer.update(|a| a.notice = Some(message)),
        ChatEvent::Token { text, html } => answer.update(|a| {
            a.text.push_str(&text);
            a.html = html;
        }),
        ChatEvent::Done { html, .. } => answer.update(|a| {
            a.html = html;
            a.streaming = false;
        }),
        ChatEvent::Error { message, html } => answer.update(|a| {
            a.html = html;
            a.error = Some(message);
            a.streaming = false;
        }),
    }
}
