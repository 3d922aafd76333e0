//! Per-service details: up/down, pid, uptime, wanted state, normally up/down, ready, last exit.

use leptos::prelude::*;
use workbench_services_api::ServiceView;

fn since(secs: Option<u64>) -> String {
    match secs {
        None => "never started".into(),
        Some(s) if s < 90 => format!("{s} s"),
        Some(s) if s < 5400 => format!("{} min", s / 60),
        Some(s) if s < 172_800 => format!("{} h", s / 3600),
        Some(s) => format!("{} d", s / 86_400),
    }
}

#[component]
pub fn ServiceTable(services: Vec<ServiceView>) -> impl IntoView {
    let rows = services
        .into_iter()
        .map(|s| {
            let (state, pid, uptime, wanted, normally, ready, last) = match &s.status {
                Some(st) => (
                    if st.paused {
                        "paused"
                    } else if st.up {
                        "up"
                    } else {
                        "down"
                    },
                    st.pid.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
                    since(st.since_secs),
                    if st.wanted_up { "up" } else { "down" },
                    if st.normally_up { "up" } else { "down" },
                    if st.ready { "yes" } else { "no" },
                    match (&st.signal, st.exit_code) {
                        (Some(sig), _) => sig.clone(),
                        (None, Some(code)) => format!("exit {code}"),
                        _ => "—".into(),
                    },
                ),
                None => (
                    "error",
                    "—".into(),
                    "—".into(),
                    "—",
                    "—",
                    "—",
                    s.error.clone().unwrap_or_default(),
                ),
            };
            view! {
                <tr data-service=s.name.clone() data-state=state>
                    <td><code>{s.name.clone()}</code></td>
                    <td class=format!("svc-state svc-{state}")>{state}</td>
                    <td>{pid}</td>
                    <td>{uptime}</td>
                    <td>{wanted}</td>
                    <td>{normally}</td>
                    <td>{ready}</td>
                    <td>{last}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="service-table">
            <thead>
                <tr>
                    <th>"Service"</th><th>"State"</th><th>"PID"</th><th>"For"</th>
                    <th>"Wanted"</th><th>"Normally"</th><th>"Ready"</th><th>"Last exit"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
