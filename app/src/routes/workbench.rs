//! `/workbench/:tab`: Brain, Code and Terminal. Switching tabs changes the URL but keeps
//! the page (and whatever runs in the other tabs).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::workbench::Tab;
use crate::components::workbench::panels::Panels;
use crate::components::workbench::tab_bar::TabBar;
use crate::routes::not_found::NotFound;

#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let params = use_params_map();
    let requested = Memo::new(move |_| {
        params
            .read()
            .get("tab")
            .and_then(|slug| Tab::from_slug(&slug))
    });
    // The last valid tab: the page stays put while an unknown one shows the 404.
    let active = Signal::derive(move || requested.get().unwrap_or(Tab::Brain));
    view! {
        <Show when=move || requested.get().is_some() fallback=NotFound>
            <Title text=move || active.get().label().to_string() />
            <div class="workbench">
                <TabBar active />
                <Panels active />
            </div>
        </Show>
    }
}
