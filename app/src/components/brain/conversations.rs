//! The conversation list: open one, start a new one, delete one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::client;
use super::panel::BrainState;

#[component]
pub fn ConversationList() -> impl IntoView {
    let state = expect_context::<BrainState>();
    let remove = move |id: i64| {
        spawn_local(async move {
            if client::delete_conversation(id).await.is_ok()
                && state.conversation.get_untracked() == Some(id)
            {
                state.open(None);
            }
            state.refresh_list();
        });
    };
    view! {
        <nav class="brain-side" aria-label="Conversations">
            <button
                type="button"
                class="button new-chat"
                disabled=move || state.busy.get()
                on:click=move |_| state.open(None)
            >
                "New chat"
            </button>
            {move || match state.list.get() {
                Err(e) => view! { <p class="card-error">{e}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="dim">"No conversations yet."</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="conversations">
                        {list.into_iter().map(|c| {
                            let id = c.id;
                            let current = move || state.conversation.get() == Some(id);
                            view! {
                                <li class:current=current>
                                    <button
                                        type="button"
                                        class="conversation"
                                        aria-current=move || current().then_some("true")
                                        disabled=move || state.busy.get()
                                        on:click=move |_| state.open(Some(id))
                                    >
                                        {c.title}
                                    </button>
                                    <button
                                        type="button"
                                        class="icon-button delete"
                                        aria-label="Delete conversation"
                                        title="Delete"
                                        disabled=move || state.busy.get()
                                        on:click=move |_| remove(id)
                                    >
                                        "×"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </nav>
    }
    .into_any()
}
