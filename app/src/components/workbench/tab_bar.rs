//! The Workbench tab bar: links with their own URLs, marked up and keyed as ARIA tabs
//! (arrow keys, Home and End move between them).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::Tab;

#[component]
pub fn TabBar(active: Signal<Tab>) -> impl IntoView {
    let links: Vec<(Tab, NodeRef<leptos::html::A>)> =
        Tab::ALL.into_iter().map(|t| (t, NodeRef::new())).collect();
    let links = StoredValue::new(links);
    let navigate = use_navigate();

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let current = active.get_untracked();
        let target = match ev.key().as_str() {
            "ArrowRight" => current.step(true),
            "ArrowLeft" => current.step(false),
            "Home" => Tab::ALL[0],
            "End" => Tab::ALL[Tab::ALL.len() - 1],
            _ => return,
        };
        ev.prevent_default();
        navigate(&target.href(), Default::default());
        links.with_value(|links| {
            if let Some(el) = links
                .iter()
                .find(|(t, _)| *t == target)
                .and_then(|(_, r)| r.get())
            {
                let _ = el.focus();
            }
        });
    };

    view! {
        <div class="tab-bar" role="tablist" aria-label="Workbench tools" on:keydown=on_keydown>
            {links
                .get_value()
                .into_iter()
                .map(|(tab, node_ref)| {
                    let selected = move || active.get() == tab;
                    view! {
                        <a
                            node_ref=node_ref
                            id=format!("tab-{}", tab.slug())
                            class="tab"
                            role="tab"
                            href=tab.href()
                            aria-selected=move || selected().to_string()
                            aria-controls=format!("panel-{}", tab.slug())
                            tabindex=move || if selected() { "0" } else { "-1" }
                        >
                            {tab.label()}
                        </a>
                    }
                })
                .collect_view()}
        </div>
    }
}
