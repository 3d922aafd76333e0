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

/// A Workbench tab's panel, each from its chunk. The Brain is lazy too although `/` lands
/// there: in the main module it cost every other page ~75 KB gzip, and lazy it costs the
/// Brain's own first visit ~36 KB (docs/notes/bundle.md).
pub fn panel(tab: Tab) -> AnyView {
    match tab {
        Tab::Brain => Suspend::new(brain_panel()).into_any(),
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

/// A lazy part of the UI, as far as loading it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunk {
    Brain,
    Code,
    Terminal,
    Homelab,
    Resources,
}

/// The chunk the server renders for `path` (the router's paths in `lib.rs`); none when
/// the page is all in the main module (404s).
pub fn chunk_for(path: &str) -> Option<Chunk> {
    let mut segments = path.trim_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("workbench"), Some(slug), None) => match Tab::from_slug(slug)? {
            Tab::Code => Some(Chunk::Code),
            Tab::Terminal => Some(Chunk::Terminal),
            Tab::Brain => Some(Chunk::Brain),
        },
        (Some("homelab"), None, None) => Some(Chunk::Homelab),
        (Some("resources"), _, _) => Some(Chunk::Resources),
        _ => None,
    }
}

/// Loads the chunk the server rendered for `path`, so that hydration finds its code.
#[cfg(feature = "hydrate")]
pub async fn preload_for(path: &str) {
    match chunk_for(path) {
        Some(Chunk::Brain) => __preload_brain_panel().await,
        Some(Chunk::Code) => __preload_code_panel().await,
        Some(Chunk::Terminal) => __preload_terminal_panel().await,
        Some(Chunk::Homelab) => __preload_homelab().await,
        Some(Chunk::Resources) => __preload_resources().await,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{Chunk, chunk_for};

    #[test]
    fn each_page_preloads_the_chunk_its_server_render_used() {
        assert_eq!(chunk_for("/workbench/brain"), Some(Chunk::Brain));
        assert_eq!(chunk_for("/workbench/code"), Some(Chunk::Code));
        assert_eq!(chunk_for("/workbench/terminal/"), Some(Chunk::Terminal));
        assert_eq!(chunk_for("/homelab"), Some(Chunk::Homelab));
        assert_eq!(chunk_for("/resources"), Some(Chunk::Resources));
        assert_eq!(chunk_for("/resources/search"), Some(Chunk::Resources));
        assert_eq!(
            chunk_for("/resources/kubernetes/pod-logs"),
            Some(Chunk::Resources)
        );
    }

    #[test]
    fn unknown_and_hostile_paths_preload_nothing() {
        for path in [
            "",
            "/",
            "/workbench",
            "/workbench/Brain",
            "/workbench/code/extra",
            "/workbench/%2e%2e",
            "/homelab/x",
            "/no/such/page",
        ] {
            assert_eq!(chunk_for(path), None, "{path}");
        }
        assert_eq!(chunk_for(&"/workbench/".repeat(10_000)), None);
    }
}
