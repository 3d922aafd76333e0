//! The UIs that load only when used: each `#[lazy]` function below is its own WASM chunk
//! (`cargo leptos build --release --split`), so a first visit downloads the shell and the
//! open tab's code, not every tab's (docs/notes/bundle.md has the sizes).
//!
//! On the server a lazy function runs at once and records its chunk, and the page then
//! preloads it. In the browser it fetches the chunk on its first call; [`preload_for`]
//! fetches the page's chunks before hydration, so the server-rendered panel hydrates in
//! one pass instead of being rebuilt.

use leptos::prelude::*;

use crate::components::brain::BrainPanel;
use crate::components::code::panel::CodePanel;
use crate::components::hosts::overview::HostsOverview;
use crate::components::services::ServicesPanel;
use crate::components::terminal::TerminalPanel;
use crate::components::workbench::Tab;
use crate::routes::resources::{
    ResourcesPage, entry::EntryPage, search::SearchPage, section::SectionPage,
};

#[lazy]
fn brain_panel() -> AnyView {
    view! { <BrainPanel /> }.into_any()
}

#[lazy]
fn code_panel() -> AnyView {
    view! { <CodePanel /> }.into_any()
}

#[lazy]
fn terminal_panel() -> AnyView {
    view! { <TerminalPanel /> }.into_any()
}

#[lazy]
fn hosts_overview() -> AnyView {
    view! { <HostsOverview /> }.into_any()
}

#[lazy]
fn services_panel() -> AnyView {
    view! { <ServicesPanel /> }.into_any()
}

#[lazy]
fn resources_index() -> AnyView {
    view! { <ResourcesPage /> }.into_any()
}

#[lazy]
fn resources_search() -> AnyView {
    view! { <SearchPage /> }.into_any()
}

#[lazy]
fn resources_section() -> AnyView {
    view! { <SectionPage /> }.into_any()
}

#[lazy]
fn resources_entry() -> AnyView {
    view! { <EntryPage /> }.into_any()
}

/// A Workbench tab's panel, from its chunk.
pub fn panel(tab: Tab) -> impl IntoView {
    Suspend::new(async move {
        match tab {
            Tab::Brain => brain_panel().await,
            Tab::Code => code_panel().await,
            Tab::Terminal => terminal_panel().await,
        }
    })
}

/// The Homelab page's host cards, from their chunk.
pub fn hosts() -> impl IntoView {
    Suspend::new(hosts_overview())
}

/// The Homelab service control panel (admins only), from its chunk.
pub async fn services() -> AnyView {
    services_panel().await
}

/// `/resources`, from its chunk (as are the three below).
pub fn resources_page() -> impl IntoView {
    Suspend::new(resources_index())
}

pub fn search_page() -> impl IntoView {
    Suspend::new(resources_search())
}

pub fn section_page() -> impl IntoView {
    Suspend::new(resources_section())
}

pub fn entry_page() -> impl IntoView {
    Suspend::new(resources_entry())
}

/// Loads the chunks the server rendered for `path`, so that hydration finds their code.
#[cfg(feature = "hydrate")]
pub async fn preload_for(path: &str) {
    let mut segments = path.trim_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("workbench"), Some(slug), None) => match Tab::from_slug(slug) {
            Some(Tab::Brain) => __preload_brain_panel().await,
            Some(Tab::Code) => __preload_code_panel().await,
            Some(Tab::Terminal) => __preload_terminal_panel().await,
            None => {}
        },
        (Some("resources"), None, None) => __preload_resources_index().await,
        (Some("resources"), Some("search"), None) => __preload_resources_search().await,
        (Some("resources"), Some(_), None) => __preload_resources_section().await,
        (Some("resources"), Some(_), Some(_)) => __preload_resources_entry().await,
        (Some("homelab"), None, None) => {
            // The service panel is only rendered for admins; loading it for everyone costs
            // one small fetch and keeps this free of an auth round trip.
            futures::join!(__preload_hosts_overview(), __preload_services_panel());
        }
        _ => {}
    }
}
