//! The Brain tab: chat with your notes and the Resources library, with citations, a model
//! selector, conversations, and the Index panel. Talks only to `/api/brain/…`.

pub mod chat;
pub mod client;
pub mod conversations;
pub mod index_panel;
pub mod message;
pub mod model_select;
pub mod panel;

pub use panel::BrainPanel;
