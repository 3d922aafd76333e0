//! The Index panel: what is indexed (sources, chunks, embeddings, model and dimension), a
//! progress bar with rate and ETA while a run goes, and Index now / Rebuild for admins.
//! It polls while open and the page is visible: every second during a run, else every 5 s.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_brain_api::IndexView;

use super::client;
use crate::components::services::client::{page_hidden, sleep};

#[component]
pub fn IndexPanel() -> impl IntoView {
    let status = RwSignal::new(None::<Result<IndexView, String>>);
    let action_error = RwSignal::new(None::<String>);
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    let poke = RwSignal::new(0u32);
    Effect::new(move |_| {
        spawn_local(async move {
            let mut last_poke = u32::MAX;
            while alive.try_get_value().unwrap_or(false) {
                let current = poke.try_get_untracked().unwrap_or(0);
                let running =
                    matches!(status.try_get_untracked().flatten(), Some(Ok(ref s)) if s.running);
                if !page_hidden() || current != last_poke {
                    last_poke = current;
                    let result = client::index_status().await;
                    if status.try_set(Some(result)).is_some() {
                        break;
                    }
                }
                let wait = if running { 1 } else { 5 };
                for _ in 0..wait * 4 {
                    sleep(Duration::from_millis(250)).await;
                    if poke.try_get_untracked().unwrap_or(0) != last_poke {
                        break;
                    }
                }
            }
        });
    });
    let start = move |rebuild: bool| {
        spawn_local(async move {
            let result = client::start_index(rebuild).await;
            action_error.try_set(result.err());
            poke.try_update(|p| *p += 1);
        });
    };
    view! {
        <aside id="brain-index" class="index-panel" aria-label="Index">
            <h2>"Index"</h2>
            {move || match status.get() {
                None => view! { <p class="dim">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="card-error">{e}</p> }.into_any(),
                Some(Ok(s)) => view! {
                    {s.problem.clone().map(|p| view! { <p class="notice">{p}</p> })}
                    <table class="index-sources">
                        <thead><tr><th>"Source"</th><th>"Documents"</th><th>"Chunks"</th></tr></thead>
                        <tbody>
                            {s.sources.iter().map(|src| view! {
                                <tr><td>{src.name.clone()}</td><td>{src.documents}</td><td>{src.chunks}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <dl class="index-facts">
                        <dt>"Chunks"</dt><dd class="chunk-count">{s.chunks}</dd>
                        <dt>"Embedded"</dt><dd class="embedded-count">{s.embedded}</dd>
                        <dt>"Model"</dt><dd>{s.model.clone().unwrap_or_else(|| "none (keyword search)".into())}</dd>
                        <dt>"Dimension"</dt><dd>{s.dims.map_or_else(|| "–".to_string(), |d| d.to_string())}</dd>
                        {s.building.clone().map(|b| view! { <dt>"Building"</dt><dd>{b}</dd> })}
                        <dt>"Failed batches"</dt><dd>{s.failed_batches}</dd>
                    </dl>
                    {(!s.problems.is_empty()).then(|| view! {
                        <details class="index-problems">
                            <summary>{format!("{} files skipped", s.problems.len())}</summary>
                            <ul>{s.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                        </details>
                    })}
                    <div class="index-progress" data-running=s.running.to_string() data-phase=s.phase.clone()>
                        <progress max=s.total.max(1) value=if s.running { s.done } else { s.total.max(1) }></progress>
                        <p class="dim progress-line">{progress_line(&s)}</p>
                    </div>
                    {s.can_index.then(|| view! {
                        <div class="index-actions">
                            <button type="button" class="button primary index-now" disabled=s.running on:click=move |_| start(false)>"Index now"</button>
                            <button type="button" class="button rebuild" disabled=s.running on:click=move |_| start(true)>"Rebuild"</button>
                        </div>
                    })}
                }.into_any(),
            }}
            {move || action_error.get().map(|e| view! { <p class="card-error" role="alert">{e}</p> })}
        </aside>
    }
    .into_any()
}

fn progress_line(s: &IndexView) -> String {
    if !s.running {
        return if s.message.is_empty() {
            format!("Idle ({})", s.phase)
        } else {
            s.message.clone()
        };
    }
    let eta = s
        .eta_secs
        .map_or_else(|| "–".to_string(), |e| format!("{:.0} s", e.ceil()));
    format!(
        "{}: {} / {} chunks · {:.0}/s · ETA {eta}",
        s.phase, s.done, s.total, s.rate
    )
}
