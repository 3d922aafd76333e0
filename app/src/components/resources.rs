//! Pieces of the Resources pages.

pub mod markdown;
pub mod search_box;
pub mod tags;
