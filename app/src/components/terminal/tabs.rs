//! The terminal tab bar: one tab per session (click to show, double-click to rename,
//! drag to reorder, × to close) and `+` with the profiles to open.

use leptos::prelude::*;

use super::{Status, TabInfo, Terminals};

#[component]
pub fn SessionTabs(state: Terminals) -> AnyView {
    let menu_open = RwSignal::new(false);
    let dragging = RwSignal::new(None::<u32>);
    view! {
        <div class="term-tabs">
            <div class="term-tablist" role="tablist" aria-label="Terminal sessions">
                <For
                    each=move || state.tabs.get()
                    key=|tab| tab.key
                    children=move |tab: TabInfo| {
                        let selected = move || state.active.get() == Some(tab.key);
                        let ended = move || matches!(tab.status.get(), Status::Ended(_));
                        let rename = move |_| {
                            if let Some(name) = prompt("Name this tab", &tab.label()) {
                                let name = name.trim().chars().take(64).collect::<String>();
                                tab.name.set((!name.is_empty()).then_some(name));
                            }
                        };
                        view! {
                            <div
                                class="term-tab"
                                class:ended=ended
                                id=format!("term-tab-{}", tab.key)
                                role="tab"
                                tabindex=move || if selected() { "0" } else { "-1" }
                                aria-selected=move || selected().to_string()
                                aria-controls=format!("term-pane-{}", tab.key)
                                draggable="true"
                                title="Double-click to rename; drag to reorder"
                                on:click=move |_| state.active.set(Some(tab.key))
                                on:dblclick=rename
                                on:dragstart=move |_| dragging.set(Some(tab.key))
                                on:dragover=move |ev| ev.prevent_default()
                                on:drop=move |ev| {
                                    ev.prevent_default();
                                    if let Some(from) = dragging.get_untracked() {
                                        state.reorder(from, tab.key);
                                    }
                                    dragging.set(None);
                                }
                                on:dragend=move |_| dragging.set(None)
                            >
                                <span class="term-tab-label">{move || tab.label()}</span>
                                <button
                                    type="button"
                                    class="term-tab-close"
                                    aria-label=move || format!("Close {}", tab.label())
                                    on:click=move |ev| {
                                        ev.stop_propagation();
                                        state.close(tab.key);
                                    }
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    }
                />
            </div>
            <div class="term-new">
                <button
                    type="button"
                    class="term-add"
                    aria-label="New terminal"
                    aria-haspopup="menu"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    "+"
                </button>
                <Show when=move || menu_open.get()>
                    <ul class="term-menu" role="menu">
                        {move || {
                            state
                                .profiles
                                .get()
                                .into_iter()
                                .map(|profile| {
                                    let missing = !profile.available;
                                    let label = profile.title.clone();
                                    view! {
                                        <li role="none">
                                            <button
                                                type="button"
                                                role="menuitem"
                                                on:click=move |_| {
                                                    // Opening first: closing the menu drops this button.
                                                    state.open(&profile);
                                                    menu_open.set(false);
                                                }
                                            >
                                                {label}
                                                {missing.then(|| view! { <span class="term-missing">" (not installed)"</span> })}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </Show>
            </div>
        </div>
    }
    .into_any()
}

/// `window.prompt`, in the browser only.
fn prompt(_message: &str, _default: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        window()
            .prompt_with_message_and_default(_message, _default)
            .ok()
            .flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}
