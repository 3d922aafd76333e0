//! The one trait every way of running a terminal implements: start a process at a size,
//! then stream its output and drive it through a [`Control`].

pub mod docker;
pub mod pty;
pub mod ttyd;

use std::future::Future;
use std::io;
use std::pin::Pin;

use futures_util::Stream;
use ttyd_protocol::{ExitStatus, WindowSize};

use crate::profile::Profile;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The process's output, chunk by chunk; it ends when the process can write no more.
/// A consumer that stops polling it stops the process (the PTY fills and its writes block).
pub type OutputStream = Pin<Box<dyn Stream<Item = io::Result<Vec<u8>>> + Send>>;

/// Starts processes for profiles of one backend kind.
pub trait Backend: Send + Sync {
    fn spawn<'a>(
        &'a self,
        profile: &'a Profile,
        size: WindowSize,
    ) -> BoxFuture<'a, Result<Spawned, SpawnError>>;
}

/// A started process.
pub struct Spawned {
    /// ttyd's window title: `<command line> (<host>)`.
    pub title: String,
    pub output: OutputStream,
    pub control: Box<dyn Control>,
}

/// Drives a running process. Calls may come from several tasks at once.
pub trait Control: Send + Sync {
    fn write<'a>(&'a self, data: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    fn resize(&self, size: WindowSize) -> BoxFuture<'_, io::Result<()>>;
    /// How the process ended; call once its output has ended.
    fn wait(&self) -> BoxFuture<'_, ExitStatus>;
    /// Hangs up: signals what is left of the process group, kills it if it lingers, and
    /// reaps it. Idempotent.
    fn terminate(&self) -> BoxFuture<'_, ()>;
}

/// Why a process could not be started, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error(
        "{program} is not installed on this server (profile {profile:?} runs it). Install it, \
         or change the command of [[terminal.profiles]] name = {profile:?} in workbench.toml."
    )]
    MissingProgram { profile: String, program: String },
    #[error("could not start {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("the upstream terminal at {url} did not answer as ttyd does: {reason}")]
    Upstream { url: String, reason: String },
    #[error("Docker: {0}")]
    Docker(String),
    #[error("the {0} backend is not available in this build")]
    Unavailable(&'static str),
}

impl SpawnError {
    /// What the terminal shows: the message, without internal detail for I/O failures.
    pub fn user_message(&self) -> String {
        match self {
            SpawnError::Io { what, .. } => {
                format!("Could not start {what}; the server log has the reason.")
            }
            other => other.to_string(),
        }
    }
}
