//! One module per page.

pub mod error;
pub mod homelab;
pub mod not_found;
pub mod resources;
pub mod workbench;
