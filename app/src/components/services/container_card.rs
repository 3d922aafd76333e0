//! One managed container: its Docker state, a switch per service group, the per-service
//! details, and its own refresh loop (one request in flight, backoff on errors, a stale
//! marker, no polling in a background tab).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_services_api::ContainerView;

use super::client;
use super::group_switch::GroupSwitch;
use super::service_table::ServiceTable;

/// How often a visible card refreshes when all is well.
const REFRESH: Duration = Duration::from_secs(5);
/// The longest wait between tries while the container or its host does not answer.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Bumped after every action so the audit log reloads.
#[derive(Clone, Copy)]
pub struct AuditTick(pub RwSignal<u32>);

#[component]
pub fn ContainerCard(initial: ContainerView) -> impl IntoView {
    let host = initial.host.clone();
    let name = initial.name.clone();
    let view_sig = RwSignal::new(initial);
    let stale = RwSignal::new(false);
    let pending = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let audit_tick = use_context::<AuditTick>();

    let alive = Arc::new(AtomicBool::new(true));
    {
        let alive = alive.clone();
        on_cleanup(move || alive.store(false, Ordering::Relaxed));
    }
    // The refresh loop runs only in the browser (effects do not run on the server).
    {
        let (host, name, alive) = (host.clone(), name.clone(), alive.clone());
        Effect::new(move |started: Option<()>| {
            if started.is_some() {
                return;
            }
            let (host, name, alive) = (host.clone(), name.clone(), alive.clone());
            spawn_local(async move {
                let mut delay = REFRESH;
                loop {
                    client::sleep(delay).await;
                    if !alive.load(Ordering::Relaxed) {
                        break;
                    }
                    // An action's own answer is the freshest state; one request at a time.
                    if client::page_hidden() || pending.try_get_untracked().flatten().is_some() {
                        delay = Duration::from_secs(1);
                        continue;
                    }
                    match client::container(&host, &name).await {
                        Ok(v) => {
                            view_sig.try_set(v);
                            stale.try_set(false);
                            delay = REFRESH;
                        }
                        Err(_) => {
                            stale.try_set(true);
                            delay = (delay * 2).clamp(REFRESH, MAX_BACKOFF);
                        }
                    }
                }
            });
        });
    }

    let toggle = move |group: String, up: bool| {
        if pending.get_untracked().is_some() {
            return;
        }
        pending.set(Some(group.clone()));
        message.set(None);
        let (host, name) = (view_sig.get_untracked().host, view_sig.get_untracked().name);
        spawn_local(async move {
            let action = if up { "up" } else { "down" };
            match client::act(&host, &name, &group, action).await {
                Ok(res) => {
                    view_sig.try_set(res.container);
                    stale.try_set(false);
                    message.try_set(res.error.map(|e| e.message));
                }
                Err(e) => {
                    message.try_set(Some(e));
                }
            }
            pending.try_set(None);
            if let Some(AuditTick(t)) = audit_tick {
                t.try_update(|n| *n += 1);
            }
        });
    };

    view! {
        <article class="service-card" data-container=name.clone() data-host=host.clone()>
            {move || {
                let v = view_sig.get();
                let state_class = format!("container-state state-{}", v.state);
                view! {
                    <header class="card-head">
                        <h3>{v.display_name.clone()}</h3>
                        <span class=state_class>{v.state.clone()}</span>
                        {v.health.clone().map(|h| view! { <span class=format!("health health-{h}")>{h.clone()}</span> })}
                        <Show when=move || stale.get()>
                            <span class="stale" title="The last refresh failed; this is the last state seen.">"stale"</span>
                        </Show>
                    </header>
                    <p class="card-sub"><code>{v.name.clone()}</code>" · "{v.status_text.clone()}</p>
                }
            }}
            <div class="switches">
                {move || {
                    view_sig
                        .get()
                        .groups
                        .into_iter()
                        .map(|g| {
                            let gname = g.name.clone();
                            let gname2 = g.name.clone();
                            view! {
                                <GroupSwitch
                                    group=g
                                    pending=Signal::derive(move || pending.get().as_deref() == Some(gname.as_str()))
                                    on_toggle=Callback::new(move |up| toggle(gname2.clone(), up))
                                />
                            }
                        })
                        .collect_view()
                }}
            </div>
            {move || {
                let v = view_sig.get();
                let problem = message.get().or_else(|| v.error.as_ref().map(|e| e.message.clone()));
                view! {
                    {problem.map(|m| view! { <p class="card-error" role="alert">{m}</p> })}
                    {v.stale_lock.clone().map(|l| view! {
                        <p class="card-warn">"Lock file left behind: "<code>{l}</code>" — rtorrent may refuse to start until it is removed."</p>
                    })}
                    <details class="service-details">
                        <summary>{format!("Services ({})", v.services.len())}</summary>
                        <ServiceTable services=v.services.clone() />
                        {v.scan_dir.clone().map(|d| view! { <p class="dim">"Scan dir "<code>{d}</code></p> })}
                    </details>
                }
            }}
        </article>
    }
    // Erased so the panel's view type stays shallow enough for the release WASM build.
    .into_any()
}
