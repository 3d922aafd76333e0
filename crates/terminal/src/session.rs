//! One running process and what it printed: the scrollback ring, and at most one attached
//! client fed through a bounded channel. When the channel is full (a slow or paused
//! client) the pump stops reading the process's output, so back-pressure reaches the PTY.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use ttyd_protocol::{ExitStatus, WindowSize};

use crate::backend::{Control, OutputStream};
use crate::profile::Profile;
use crate::scrollback::Scrollback;

pub type SessionId = String;

/// Chunks queued for one client before the pump waits. With PTY reads of about 4 KiB this
/// is well under a megabyte per session, whatever the process prints.
pub const CLIENT_QUEUE: usize = 64;

/// What the session sends its client, in order.
#[derive(Debug)]
pub enum Event {
    Output(Vec<u8>),
    /// The last event: everything the process wrote came before it.
    Exit(ExitStatus),
}

pub struct Session {
    pub id: SessionId,
    pub profile: Arc<Profile>,
    pub title: String,
    control: Box<dyn Control>,
    shared: Mutex<Shared>,
}

struct Shared {
    ring: Scrollback,
    client: Option<Client>,
    exit: Option<ExitStatus>,
    /// Bumped by every attach and detach, so a grace timer can tell whether anything
    /// happened since it was set.
    generation: u64,
}

struct Client {
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
    generation: u64,
}

/// A client's view of the session, from the moment it attached.
pub struct Attachment {
    /// The scrollback at attach time; events continue exactly after it.
    pub replay: Vec<u8>,
    pub events: mpsc::Receiver<Event>,
    /// Cancelled when another client attaches to this session.
    pub replaced: CancellationToken,
    pub generation: u64,
}

impl Session {
    pub fn new(
        id: SessionId,
        profile: Arc<Profile>,
        title: String,
        control: Box<dyn Control>,
        scrollback: usize,
    ) -> Self {
        Self {
            id,
            profile,
            title,
            control,
            shared: Mutex::new(Shared {
                ring: Scrollback::new(scrollback),
                client: None,
                exit: None,
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding this lock leaves only plain data behind; keep serving.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Copies the process's output into the ring and to the attached client until it
    /// ends, then reports the exit status.
    pub async fn pump(&self, mut output: OutputStream) -> ExitStatus {
        while let Some(chunk) = output.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(session = %self.id, error = %e, "reading terminal output failed");
                    break;
                }
            };
            let tx = {
                let mut s = self.lock();
                s.ring.push(&chunk);
                s.client.as_ref().map(|c| c.tx.clone())
            };
            if let Some(tx) = tx {
                // Waits while the client is behind; fails at once if it has gone.
                let _ = tx.send(Event::Output(chunk)).await;
            }
        }
        let status = self.control.wait().await;
        let tx = {
            let mut s = self.lock();
            s.exit = Some(status);
            s.client.as_ref().map(|c| c.tx.clone())
        };
        if let Some(tx) = tx {
            let _ = tx.send(Event::Exit(status)).await;
        }
        status
    }

    /// Makes a new client the attached one; a previous client is told it was replaced.
    pub fn attach(&self) -> Attachment {
        let mut s = self.lock();
        s.generation += 1;
        if let Some(old) = s.client.take() {
            old.cancel.cancel();
        }
        let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
        if let Some(status) = s.exit {
            let _ = tx.try_send(Event::Exit(status));
        }
        let replaced = CancellationToken::new();
        s.client = Some(Client {
            tx,
            cancel: replaced.clone(),
            generation: s.generation,
        });
        Attachment {
            replay: s.ring.snapshot(),
            events: rx,
            replaced,
            generation: s.generation,
        }
    }

    /// Detaches the client of `generation` if it is still the attached one; returns the
    /// new generation, or `None` when another client had already taken over.
    pub fn detach(&self, generation: u64) -> Option<u64> {
        let mut s = self.lock();
        if s.client
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            s.client = None;
            s.generation += 1;
            Some(s.generation)
        } else {
            None
        }
    }

    /// Nobody attached and nothing happened since `generation`.
    pub fn idle_since(&self, generation: u64) -> bool {
        let s = self.lock();
        s.client.is_none() && s.generation == generation
    }

    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn has_client(&self) -> bool {
        self.lock().client.is_some()
    }

    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.lock().exit
    }

    pub fn scrollback_len(&self) -> usize {
        self.lock().ring.len()
    }

    /// Tells the attached client, if any, to go.
    pub fn kick(&self) {
        if let Some(c) = self.lock().client.take() {
            c.cancel.cancel();
        }
    }

    pub async fn write(&self, data: &[u8]) -> io::Result<()> {
        self.control.write(data).await
    }

    pub async fn resize(&self, size: WindowSize) -> io::Result<()> {
        self.control.resize(size).await
    }

    pub async fn terminate(&self) {
        self.control.terminate().await;
    }
}
