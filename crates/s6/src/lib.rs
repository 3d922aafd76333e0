//! s6 supervision as data: what `s6-svstat` prints (both forms), which scan dir and services
//! a container has, and the exact argv that controls them. No I/O, so every piece is tested
//! alone and the browser can share the types.

pub mod control;
pub mod discovery;
pub mod status;
pub mod supervise;

pub use control::{Action, ControlKind, ServiceName, Step};
pub use discovery::{DiscoveredService, Discovery, ScanError};
pub use status::{ParseError, Status};
pub use supervise::{StatusFileError, SuperviseStatus};
