//! The hosts list: rendered on the server, then refreshed from the server's cache every
//! few seconds (the cache, not the hosts, answers: polling costs the hosts nothing).

use std::time::Duration;

use leptos::prelude::*;

use super::card::HostCard;
use super::hosts_overview;

/// How often an open page asks for fresh results.
const POLL: Duration = Duration::from_secs(5);

#[component]
pub fn HostsOverview() -> impl IntoView {
    let tick = RwSignal::new(0u64);
    let overview = Resource::new(move || tick.get(), |_| hosts_overview());
    // Effects run only in the browser: the server renders once and leaves.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), POLL) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <section class="hosts" aria-labelledby="hosts-heading">
            <h2 id="hosts-heading">"Hosts"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading host status…"</p> }>
                {move || {
                    overview
                        .get()
                        .map(|result| match result {
                            Ok(o) if o.hosts.is_empty() => {
                                view! {
                                    <p class="muted hosts-empty">
                                        "No hosts configured. Add "<code>"[[hosts]]"</code>
                                        " tables to workbench.toml (see workbench.example.toml) to watch your machines here."
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(o) => {
                                view! {
                                    <ul class="host-grid" data-admin=o.admin.to_string()>
                                        {o.hosts.into_iter().map(|host| view! { <HostCard host /> }).collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(_) => {
                                view! {
                                    <p class="muted" role="alert">
                                        "Host status is unavailable right now; it will refresh by itself."
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
