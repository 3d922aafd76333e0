//! `docker-exec`: a shell inside a running container. Not built yet: the trait is ready
//! for it (exec with a TTY is an output stream plus input, resize and wait).

use ttyd_protocol::WindowSize;

use super::{Backend, BoxFuture, SpawnError, Spawned};
use crate::profile::Profile;

pub struct DockerBackend;

impl DockerBackend {
    pub fn new() -> Self {
        Self
    }
}

impl Backend for DockerBackend {
    fn spawn<'a>(
        &'a self,
        _profile: &'a Profile,
        _size: WindowSize,
    ) -> BoxFuture<'a, Result<Spawned, SpawnError>> {
        Box::pin(async { Err(SpawnError::Unavailable("docker-exec")) })
    }
}
