//! The service panel's server side: which containers are managed, their s6 services' state,
//! the actions on them, and the audit log of every action.

pub mod api;
pub mod audit;
pub mod controller;
mod sessions;

pub use audit::AuditLog;
pub use controller::ServiceController;
