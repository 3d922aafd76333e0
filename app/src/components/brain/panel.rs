//! The Brain tab's layout and shared state: conversations on the left, the chat in the
//! middle, the Index panel on the right when opened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_brain_api::{Citation, ConversationSummary, Message, Role};

use super::chat::ChatView;
use super::client::{self, Stop};
use super::conversations::ConversationList;
use super::model_select::ModelSelect;

/// A message as the page shows it; the answer being streamed changes in place.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub role: Role,
    pub text: String,
    pub html: String,
    pub citations: Vec<Citation>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub streaming: bool,
    /// Keyword-only retrieval, and why.
    pub keyword_only: Option<String>,
}

impl Shown {
    pub fn from_message(m: Message) -> Self {
        Shown {
            role: m.role,
            text: m.text,
            html: m.html,
            citations: m.citations,
            notice: None,
            error: m.error,
            streaming: false,
            keyword_only: None,
        }
    }
}

#[derive(Clone, Copy)]
pub struct BrainState {
    pub conversation: RwSignal<Option<i64>>,
    pub messages: RwSignal<Vec<(u64, RwSignal<Shown>)>>,
    pub next_key: StoredValue<u64>,
    pub list: RwSignal<Result<Vec<ConversationSummary>, String>>,
    pub model: RwSignal<String>,
    pub connected: RwSignal<Option<bool>>,
    pub busy: RwSignal<bool>,
    pub stop: StoredValue<Option<Stop>, LocalStorage>,
    pub stopped: RwSignal<bool>,
}

impl BrainState {
    pub fn push(&self, shown: Shown) -> RwSignal<Shown> {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let signal = RwSignal::new(shown);
        self.messages.update(|v| v.push((key, signal)));
        signal
    }

    pub fn refresh_list(&self) {
        let list = self.list;
        spawn_local(async move {
            let result = client::conversations().await;
            list.try_set(result);
        });
    }

    /// Shows conversation `id` (none: a new, empty one).
    pub fn open(&self, id: Option<i64>) {
        if self.busy.get_untracked() {
            return;
        }
        self.conversation.set(id);
        self.messages.set(Vec::new());
        let Some(id) = id else { return };
        let state = *self;
        spawn_local(async move {
            match client::conversation(id).await {
                Ok(c) => {
                    for m in c.messages {
                        state.push(Shown::from_message(m));
                    }
                }
                Err(e) => {
                    state.push(Shown {
                        role: Role::Assistant,
                        text: String::new(),
                        html: String::new(),
                        citations: Vec::new(),
                        notice: None,
                        error: Some(e),
                        streaming: false,
                        keyword_only: None,
                    });
                }
            }
        });
    }
}

#[component]
pub fn BrainPanel() -> impl IntoView {
    let state = BrainState {
        conversation: RwSignal::new(None),
        messages: RwSignal::new(Vec::new()),
        next_key: StoredValue::new(0),
        list: RwSignal::new(Ok(Vec::new())),
        model: RwSignal::new(String::new()),
        connected: RwSignal::new(None),
        busy: RwSignal::new(false),
        stop: StoredValue::new_local(None),
        stopped: RwSignal::new(false),
    };
    provide_context(state);
    let index_open = RwSignal::new(false);
    Effect::new(move |_| state.refresh_list());
    view! {
        <div class="brain" class:with-index=move || index_open.get()>
            <ConversationList />
            <div class="brain-main">
                <header class="brain-head">
                    <ModelSelect />
                    <button
                        type="button"
                        class="button index-toggle"
                        aria-expanded=move || index_open.get().to_string()
                        aria-controls="brain-index"
                        on:click=move |_| index_open.update(|o| *o = !*o)
                    >
                        "Index"
                    </button>
                </header>
                {move || (state.connected.get() == Some(false)).then(|| view! {
                    <p class="brain-banner" role="note">
                        "No model server is connected: answers are the best passages from your notes and the library, cited. "
                        "For written answers, run Ollama and set "<code>"brain.ollama_url"</code>
                        " (e.g. "<code>"WORKBENCH_BRAIN__OLLAMA_URL=http://127.0.0.1:11434"</code>")."
                    </p>
                })}
                <ChatView />
            </div>
            {move || index_open.get().then(crate::split::index_panel)}
        </div>
    }
    .into_any()
}
