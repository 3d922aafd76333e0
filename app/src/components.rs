//! Reusable pieces of the UI, one component per file, grouped by the screen they belong to.

pub mod brain;
pub mod code;
pub mod hosts;
pub mod resources;
pub mod services;
pub mod status;
pub mod terminal;
pub mod top_bar;
pub mod workbench;
