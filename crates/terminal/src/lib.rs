//! Terminal sessions for Workbench.
//!
//! * [`Terminals`] is the one handle in the server's state: the profiles from config, the
//!   live sessions, and the backends that start processes.
//! * [`router`] serves every profile ttyd-compatibly at `/terminal/<profile>/token` and
//!   `/terminal/<profile>/ws`, plus `/terminal/profiles` for the Terminal tab.
//! * A session outlives its WebSocket for `terminal.grace_seconds`: a client that comes back
//!   with `?session=<id>` gets the scrollback replayed and the same process. After the grace
//!   period, or when the process exits, its process group is signalled and reaped.

mod backend;
mod handshake;
mod profile;
mod registry;
mod routes;
mod scrollback;
mod session;
mod socket;
#[cfg(feature = "testing")]
pub mod testing;

pub use backend::{Backend, Control, OutputStream, SpawnError, Spawned};
pub use profile::{Profile, ProfileSummary};
pub use registry::{OpenError, Terminals};
pub use routes::router;
pub use scrollback::Scrollback;
pub use session::{Event, Session, SessionId};
