//! The JSON the service panel's API speaks (`/api/admin/services…`), shared by the server that
//! writes it and the page that reads it.

use serde::{Deserialize, Serialize};
pub use workbench_s6::{Action, ControlKind, Status};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServicesResponse {
    pub hosts: Vec<HostView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostView {
    pub name: String,
    /// Set when the engine did not answer: its containers are then unknown.
    pub error: Option<ApiError>,
    pub containers: Vec<ContainerView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerView {
    pub host: String,
    /// The Docker name, used in the API path.
    pub name: String,
    pub display_name: String,
    /// Docker's state: running, paused, exited, …
    pub state: String,
    pub status_text: String,
    pub health: Option<String>,
    /// The s6 scan dir found, e.g. `/run/service` (s6-overlay v3) or `/var/run/s6/services` (v2).
    pub scan_dir: Option<String>,
    pub groups: Vec<GroupView>,
    pub services: Vec<ServiceView>,
    /// A lock file left behind while its group is down: it may keep the service from starting.
    pub stale_lock: Option<String>,
    /// Why services could not be read (container stopped, s6 not running, …).
    pub error: Option<ApiError>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupState {
    Up,
    Down,
    /// Some up, some down.
    Mixed,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupView {
    pub name: String,
    pub label: String,
    pub services: Vec<String>,
    pub state: GroupState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub name: String,
    pub kind: ControlKind,
    pub group: Option<String>,
    pub status: Option<Status>,
    pub error: Option<String>,
}

/// A failure the person can act on: a stable `code` for scripts and a message for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse {
    pub action: Action,
    pub target: String,
    /// The state read back from s6 after the action, not the one hoped for.
    pub container: ContainerView,
    pub error: Option<ApiError>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub who: String,
    pub host: String,
    pub container: String,
    pub target: String,
    pub action: String,
    /// `ok` or the error code.
    pub result: String,
    pub detail: String,
}
