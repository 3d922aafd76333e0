//! The model selector, filled from the model server's list; the choice is remembered on
//! the server for this user.

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_brain_api::Models;

use super::client;
use super::panel::BrainState;

#[component]
pub fn ModelSelect() -> impl IntoView {
    let state = expect_context::<BrainState>();
    let models = RwSignal::new(None::<Result<Models, String>>);
    let saved = RwSignal::new(None::<Result<(), String>>);
    Effect::new(move |_| {
        spawn_local(async move {
            let result = client::models().await;
            if let Ok(m) = &result {
                state.model.set(m.selected.clone());
                state.connected.set(Some(m.connected));
            }
            models.try_set(Some(result));
        });
    });
    let choose = move |name: String| {
        state.model.set(name.clone());
        spawn_local(async move {
            saved.try_set(Some(client::select_model(name).await));
        });
    };
    view! {
        <div class="model-select">
            <label for="brain-model">"Model"</label>
            {move || match models.get() {
                None => view! { <span class="dim">"…"</span> }.into_any(),
                Some(Err(e)) => view! { <span class="card-error">{e}</span> }.into_any(),
                Some(Ok(m)) => {
                    let selected = m.selected.clone();
                    let listed = m.models.iter().any(|o| o.name == selected);
                    view! {
                        <select
                            id="brain-model"
                            disabled=move || !m.connected || state.busy.get()
                            on:change=move |ev| choose(event_target_value(&ev))
                        >
                            {(!listed).then(|| view! { <option value=selected.clone() selected=true>{selected.clone()}</option> })}
                            {m.models.iter().map(|o| {
                                let label = if o.detail.is_empty() { o.name.clone() } else { format!("{} ({})", o.name, o.detail) };
                                view! { <option value=o.name.clone() selected=o.name == m.selected>{label}</option> }
                            }).collect_view()}
                        </select>
                        {m.problem.map(|p| view! { <span class="model-problem dim" role="status">{p}</span> })}
                    }.into_any()
                }
            }}
            {move || match saved.get() {
                Some(Err(e)) => Some(view! { <span class="card-error" role="alert">{e}</span> }),
                _ => None,
            }}
        </div>
    }
    .into_any()
}
