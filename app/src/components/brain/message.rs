//! One message: the question as typed, or the answer as rendered HTML (sanitised on the
//! server) with its numbered sources; the excerpt shows on hover.

use leptos::prelude::*;
use workbench_brain_api::Role;

use super::panel::Shown;

#[component]
pub fn MessageView(message: RwSignal<Shown>) -> impl IntoView {
    let role = message.with_untracked(|m| m.role);
    match role {
        Role::User => view! {
            <div class="message user">
                <p class="message-text">{move || message.with(|m| m.text.clone())}</p>
            </div>
        }
        .into_any(),
        Role::Assistant => view! {
            <div class="message assistant" aria-busy=move || message.with(|m| m.streaming).to_string()>
                {move || message.with(|m| m.notice.clone()).map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <div class="answer markdown" inner_html=move || message.with(|m| m.html.clone())></div>
                {move || message.with(|m| m.streaming && m.html.is_empty()).then(|| view! { <p class="dim thinking">"Thinking…"</p> })}
                {move || message.with(|m| m.error.clone()).map(|e| view! { <p class="answer-error" role="alert">{e}</p> })}
                {move || {
                    let citations = message.with(|m| m.citations.clone());
                    (!citations.is_empty()).then(|| view! {
                        <ol class="citations" aria-label="Sources">
                            {citations.into_iter().map(|c| {
                                let place = if c.heading.is_empty() { c.title.clone() } else { format!("{} › {}", c.title, c.heading) };
                                view! {
                                    <li value=c.n>
                                        <a href=c.url.clone() title=c.excerpt.clone() class="citation">
                                            <span class="cite-n">{format!("[{}]", c.n)}</span>" "{place}
                                        </a>
                                        <span class="excerpt" role="tooltip">{c.excerpt.clone()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    })
                }}
                {move || message.with(|m| m.keyword_only.clone()).map(|r| view! { <p class="dim retrieval-mode">{format!("Keyword search only: {r}")}</p> })}
            </div>
        }
        .into_any(),
    }
}
