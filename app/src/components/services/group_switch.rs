//! One group's switch ("Web UI", "Daemon"): shows the state s6 reported, or pending while an
//! action runs; it never shows the state it merely hopes for.

use leptos::prelude::*;
use workbench_services_api::{GroupState, GroupView};

#[component]
pub fn GroupSwitch(
    group: GroupView,
    /// An action on this group is running.
    #[prop(into)]
    pending: Signal<bool>,
    /// Called with `true` to bring the group up, `false` to take it down.
    on_toggle: Callback<bool>,
) -> impl IntoView {
    let on = group.state == GroupState::Up;
    let state = move || {
        if pending.get() {
            "pending"
        } else {
            match group.state {
                GroupState::Up => "up",
                GroupState::Down => "down",
                GroupState::Mixed => "mixed",
                GroupState::Unknown => "unknown",
            }
        }
    };
    let text = move || match state() {
        "pending" => "…",
        "up" => "On",
        "down" => "Off",
        "mixed" => "Partly",
        _ => "?",
    };
    let title = format!("{}: {}", group.label, group.services.join(", "));
    view! {
        <div class="group-switch" data-group=group.name.clone() data-state=state>
            <span class="group-label" title=title>{group.label.clone()}</span>
            <button
                type="button"
                role="switch"
                class="switch"
                aria-checked=move || if on { "true" } else { "false" }
                aria-busy=move || if pending.get() { "true" } else { "false" }
                aria-label=format!("{} {}", group.label, if on { "on: turn off" } else { "off: turn on" })
                disabled=move || pending.get()
                on:click=move |_| on_toggle.run(!on)
            >
                <span class="switch-knob"></span>
                <span class="switch-text">{text}</span>
            </button>
        </div>
    }
    .into_any()
}
