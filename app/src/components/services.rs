//! The Services panel of the Homelab page: a card per managed container, grouped by Docker
//! host, with a switch per service group, per-service details, live refresh and the audit log.
//! Self-contained: it talks only to `/api/admin/services…`.

pub mod audit_log;
pub mod client;
pub mod container_card;
pub mod group_switch;
pub mod panel;
pub mod service_table;

pub use panel::ServicesPanel;
