//! The three Workbench panels. Each is mounted the first time its tab is opened and then
//! kept (hidden, not destroyed) so a terminal or an editor survives a tab switch.

use leptos::prelude::*;

use super::Tab;

#[component]
pub fn Panels(active: Signal<Tab>) -> impl IntoView {
    Tab::ALL
        .into_iter()
        .map(|tab| {
            // Flips to true once and never back, so the panel's view is built exactly once.
            let opened = Memo::new(move |was: Option<&bool>| {
                was.copied().unwrap_or(false) || active.get() == tab
            });
            view! {
                <section
                    id=format!("panel-{}", tab.slug())
                    class="panel"
                    role="tabpanel"
                    aria-labelledby=format!("tab-{}", tab.slug())
                    hidden=move || active.get() != tab
                >
                    {move || opened.get().then(|| crate::split::panel(tab))}
                </section>
            }
        })
        .collect_view()
}
