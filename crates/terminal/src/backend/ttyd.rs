//! `ttyd`: an upstream ttyd server, used as a client.

use ttyd_protocol::WindowSize;

use super::{Backend, BoxFuture, SpawnError, Spawned};
use crate::profile::Profile;

pub struct TtydBackend;

impl TtydBackend {
    pub fn new() -> Self {
        Self
    }
}

impl Backend for TtydBackend {
    fn spawn<'a>(
        &'a self,
        _profile: &'a Profile,
        _size: WindowSize,
    ) -> BoxFuture<'a, Result<Spawned, SpawnError>> {
        Box::pin(async { Err(SpawnError::Unavailable("ttyd")) })
    }
}
