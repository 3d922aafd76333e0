//! The audit log: the latest actions, who did them and how they ended, with exports.

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_services_api::AuditEntry;

use super::client;
use super::container_card::AuditTick;

const SHOWN: usize = 50;

#[component]
pub fn AuditLogView() -> impl IntoView {
    let entries = RwSignal::new(None::<Result<Vec<AuditEntry>, String>>);
    let tick = use_context::<AuditTick>();
    Effect::new(move |_| {
        if let Some(AuditTick(t)) = tick {
            t.track();
        }
        spawn_local(async move {
            entries.try_set(Some(client::audit(SHOWN).await));
        });
    });
    view! {
        <section class="audit-log" aria-labelledby="audit-title">
            <header class="section-head">
                <h2 id="audit-title">"Audit log"</h2>
                <a href=format!("{}/audit.csv", client::BASE) download="workbench-audit.csv">"Export CSV"</a>
                <a href=format!("{}/audit.json", client::BASE) download="workbench-audit.json">"Export JSON"</a>
            </header>
            {move || match entries.get() {
                None => view! { <p class="dim">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="card-error">{e}</p> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="dim">"No actions yet."</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <table class="audit-table">
                        <thead><tr><th>"When (UTC)"</th><th>"Who"</th><th>"Container"</th><th>"Target"</th><th>"Action"</th><th>"Result"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr data-audit-id=r.id.to_string() data-container=r.container.clone() data-target=r.target.clone() data-action=r.action.clone()>
                                    <td>{r.at.replace('T', " ").trim_end_matches('Z').to_string()}</td>
                                    <td>{r.who.clone()}</td>
                                    <td><code>{format!("{}/{}", r.host, r.container)}</code></td>
                                    <td>{r.target.clone()}</td>
                                    <td>{r.action.clone()}</td>
                                    <td class=if r.result == "ok" { "ok" } else { "bad" } title=r.detail>{r.result.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}
