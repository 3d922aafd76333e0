//! The Resources library: Markdown with front matter under `content/resources/<section>/`,
//! loaded once, rendered to safe HTML, indexed for search in the shared SQLite store,
//! reloaded when files change, and checked by the content health check. Server-only.

pub mod check;
pub mod front_matter;
pub mod highlight;
pub mod library;
pub mod migrations;
pub mod render;
mod sanitize;
pub mod search;
pub mod sections;
pub mod service;
pub mod store;

pub use check::{Report, check, check_library};
pub use library::{Entry, Library};
pub use search::Hit;
pub use sections::{SECTIONS, Section};
pub use service::{Content, ContentError};
pub use store::Store;
