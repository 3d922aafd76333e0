//! The UIs that load only when used: each `#[lazy]` function below is its own WASM chunk
//! (`cargo leptos build --release --split`), so a first visit downloads the shell and the
//! open page's code, not every page's (docs/notes/bundle.md has the sizes). Few, large
//! boundaries: every combination of lazy functions that shares code gets its own chunk
//! file, and many small files compress worse than a few large ones.
//!
//! On the server a lazy function runs at once and records its chunk, and the page then
//! preloads it. In the browser it fetches the chunk on its first call; [`preload_for`]
//! fetches the page's chunks before hydration, so the server-rendered view hydrates in
//! one pass instead of being rebuilt.

use leptos::prelude::*;

use crate::components::brain::BrainPanel;
use crate::components::brain::index_panel::IndexPanel;
use crate::components::code::panel::CodePanel;
use crate::components::terminal::TerminalPanel;
use crate::components::workbench::Tab;
use crate::routes::homelab::HomelabPage;
use crate::routes::resources::{
    ResourcesPage, entry::EntryPage, search::SearchPage, section::SectionPage,
};

#[lazy]
fn code_panel() -> AnyView {
    view! { <CodePanel /> }.into_any()
}

#[lazy]
fn terminal_panel() -> AnyView {
    view! { <TerminalPanel /> }.into_any()
}

// Opened by a button, never server-rendered: its code stays out of a first Brain visit.
#[lazy]
fn brain_index_panel() -> AnyView {
    view! { <IndexPanel /> }.into_any()
}

#[lazy]
fn homelab() -> AnyView {
    view! { <HomelabPage /> }.into_any()
}

/// The four Resources pages share nearly all their code, so they are one chunk. A plain
/// integer crosses the boundary (it is an `extern "C"` call in the browser build).
#[lazy]
fn resources(page: u8) -> AnyView {
    match page {
        RESOURCES_INDEX => view! { <ResourcesPage /> }.into_any(),
        RESOURCES_SEARCH => view! { <SearchPage /> }.into_any(),
        RESOURCES_SECTION => view! { <SectionPage /> }.into_any(),
        _ => view! { <EntryPage /> }.into_any(),
    }
}

const RESOURCES_INDEX: u8 = 0;
const RESOURCES_SEARCH: u8 = 1;
const RESOURCES_SECTION: u8 = 2;
const RESOURCES_ENTRY: u8 = 3;

/// A Workbench tab's panel. The Brain tab is where `/` lands, so its code is in the main
/// module: a first visit then needs no chunk at all, and the code the Brain shares with
/// the other tabs is not cut into one chunk file per combination.
pub fn panel(tab: Tab) -> AnyView {
    match tab {
        Tab::Brain => view! { <BrainPanel /> }.into_any(),
        Tab::Code => Suspend::new(code_panel()).into_any(),
        Tab::Terminal => Suspend::new(terminal_panel()).into_any(),
    }
}

/// The Brain's Index panel, from its chunk.
pub fn index_panel() -> impl IntoView {
    Suspend::new(brain_index_panel())
}

/// `/homelab`, from its chunk.
pub fn homelab_page() -> impl IntoView {
    Suspend::new(homelab())
}

/// `/resources`, from the Resources chunk (as are the three below).
pub fn resources_page() -> impl IntoView {
    Suspend::new(resources(RESOURCES_INDEX))
}

pub fn search_page() -> impl IntoView {
    Suspend::new(resources(RESOURCES_SEARCH))
}

pub fn section_page() -> impl IntoView {
    Suspend::new(resources(RESOURCES_SECTION))
}

pub fn entry_page() -> impl IntoView {
    Suspend::new(resources(RESOURCES_ENTRY))
}

/// Loads the chunks the server rendered for `path`, so that hydration finds their code.
#[cfg(feature = "hydrate")]
pub async fn preload_for(path: &str) {
    let mut segments = path.trim_matches('/').split('/');
    match (segments.next(), segments.next()) {
        (Some("workbench"), Some(slug)) => match Tab::from_slug(slug) {
            Some(Tab::Code) => __preload_code_panel().await,
            Some(Tab::Terminal) => __preload_terminal_panel().await,
            Some(Tab::Brain) | None => {}
        },
        (Some("homelab"), None) => __preload_homelab().await,
        (Some("resources"), _) => __preload_resources().await,
        _ => {}
    }
}
