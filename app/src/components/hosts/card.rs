//! One host: alias, state, latency, last seen and the stale marker; for admins also the
//! name, role, address, Docker endpoint, each check and the service links.

use leptos::prelude::*;

use super::{HostView, format_age};

#[component]
pub fn HostCard(host: HostView) -> impl IntoView {
    let HostView {
        alias,
        state,
        latency_ms,
        last_seen_secs,
        checked_secs,
        stale,
        checks_ok,
        checks_total,
        detail,
    } = host;
    let title = detail
        .as_ref()
        .map_or_else(|| alias.clone(), |d| d.name.clone());
    let subtitle = detail.as_ref().map(|_| alias.clone());
    view! {
        <li class=format!("host-card {}", state.class()) data-host=alias.clone() data-state=state.label()>
            <div class="host-head">
                <span class="host-dot" aria-hidden="true"></span>
                <h3 class="host-name">{title}</h3>
                {subtitle.map(|a| view! { <span class="host-alias">{a}</span> })}
                <span class="host-state">{state.label()}</span>
                {stale.then(|| view! { <span class="host-stale" title="The last check is overdue: this may be out of date.">"stale"</span> })}
            </div>
            <dl class="host-facts">
                <dt>"Latency"</dt>
                <dd class="host-latency">{latency_ms.map_or_else(|| "–".to_string(), |ms| format!("{ms} ms"))}</dd>
                <dt>"Last seen"</dt>
                <dd class="host-last-seen">{last_seen_secs.map_or_else(|| "never".to_string(), |s| format!("{} ago", format_age(s)))}</dd>
                <dt>"Checked"</dt>
                <dd>
                    {checked_secs.map_or_else(|| "not yet".to_string(), |s| format!("{} ago", format_age(s)))}
                    {(checks_total > 0).then(|| format!(" · {checks_ok}/{checks_total} passed"))}
                </dd>
            </dl>
            {detail.map(|d| {
                view! {
                    <div class="host-detail">
                        {(!d.role.is_empty()).then(|| view! { <p class="host-role">{d.role.clone()}</p> })}
                        <p class="host-address"><code>{d.address.clone()}</code></p>
                        {d.docker.clone().map(|docker| view! { <p class="host-docker">"Docker: "<code>{docker}</code></p> })}
                        <ul class="host-checks">
                            {d.checks.into_iter().map(|c| {
                                let mark = if c.ok { "✓" } else { "✗" };
                                let note = if c.ok {
                                    c.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()
                                } else {
                                    c.error.unwrap_or_default()
                                };
                                view! {
                                    <li class=if c.ok { "check-ok" } else { "check-bad" }>
                                        <span aria-hidden="true">{mark}</span>" "<code>{c.target}</code>" "<span class="muted">{note}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(!d.links.is_empty()).then(|| view! {
                            <p class="host-links">
                                {d.links.into_iter().map(|l| view! {
                                    <a href=l.url target="_blank" rel="noopener noreferrer">{l.name}</a>" "
                                }).collect_view()}
                            </p>
                        })}
                    </div>
                }
            })}
        </li>
    }
}
