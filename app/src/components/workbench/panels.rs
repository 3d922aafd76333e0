//! The three Workbench panels. Each is mounted the first time its tab is opened and then
//! kept (hidden, not destroyed) so a terminal or an editor survives a tab switch.

use leptos::prelude::*;

use super::Tab;
use crate::components::brain::BrainPanel;
use crate::components::code::panel::CodePanel;
use crate::components::terminal::TerminalPanel;

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
                    {move || opened.get().then(|| panel_body(tab))}
                </section>
            }
        })
        .collect_view()
}

fn panel_body(tab: Tab) -> AnyView {
    match tab {
        Tab::Code => view! { <CodePanel /> }.into_any(),
        Tab::Terminal => view! { <TerminalPanel /> }.into_any(),
        Tab::Brain => view! { <BrainPanel /> }.into_any(),
    }
}
