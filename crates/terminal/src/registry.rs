//! [`Terminals`]: the profiles, the live sessions and their lifecycle: open, reattach,
//! the grace period after a client leaves, and the end (signal and reap).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ttyd_protocol::WindowSize;
use workbench_config::{TerminalBackend, TerminalConfig};

use crate::backend::docker::DockerBackend;
use crate::backend::pty::PtyBackend;
use crate::backend::ttyd::TtydBackend;
use crate::backend::{Backend, SpawnError};
use crate::profile::{Profile, ProfileSummary};
use crate::session::{Session, SessionId};

#[derive(Clone)]
pub struct Terminals {
    inner: Arc<Inner>,
}

struct Inner {
    config: TerminalConfig,
    profiles: Vec<Arc<Profile>>,
    pty: Arc<dyn Backend>,
    ttyd: Arc<dyn Backend>,
    docker: Arc<dyn Backend>,
    sessions: Mutex<HashMap<SessionId, Arc<Session>>>,
    /// Sessions counted against `max_clients`, including ones still starting.
    open: AtomicUsize,
    token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "Too many terminal sessions are open ({0}, terminal.max_clients). Close a tab, or raise max_clients in workbench.toml."
    )]
    TooMany(usize),
    #[error(transparent)]
    Spawn(#[from] SpawnError),
}

impl Terminals {
    pub fn new(config: TerminalConfig) -> Self {
        let profiles = config
            .profiles
            .iter()
            .cloned()
            .map(Profile::new)
            .map(Arc::new)
            .collect();
        Self {
            inner: Arc::new(Inner {
                profiles,
                pty: Arc::new(PtyBackend),
                ttyd: Arc::new(TtydBackend::new()),
                docker: Arc::new(DockerBackend::new()),
                sessions: Mutex::new(HashMap::new()),
                open: AtomicUsize::new(0),
                token: format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                ),
                config,
            }),
        }
    }

    pub fn config(&self) -> &TerminalConfig {
        &self.inner.config
    }

    pub fn profile(&self, name: &str) -> Option<Arc<Profile>> {
        self.inner
            .profiles
            .iter()
            .find(|p| p.name() == name)
            .cloned()
    }

    pub fn summaries(&self) -> Vec<ProfileSummary> {
        self.inner.profiles.iter().map(|p| p.summary()).collect()
    }

    /// What `/token` hands out and the hello must carry back. Random per server start:
    /// only a page that could read `/token` (same origin, signed in) can open a terminal.
    pub fn token(&self) -> &str {
        &self.inner.token
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Arc<Session>>> {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub fn session_count(&self) -> usize {
        self.sessions().len()
    }

    /// A live session of `profile`, for a client that reattaches.
    pub fn get(&self, profile: &str, id: &str) -> Option<Arc<Session>> {
        self.sessions()
            .get(id)
            .filter(|s| s.profile.name() == profile)
            .cloned()
    }

    /// Starts a new session of `profile` at `size`.
    pub async fn open(
        &self,
        profile: Arc<Profile>,
        size: WindowSize,
    ) -> Result<Arc<Session>, OpenError> {
        let max = self.inner.config.max_clients;
        if self.inner.open.fetch_add(1, Ordering::SeqCst) >= max {
            self.inner.open.fetch_sub(1, Ordering::SeqCst);
            return Err(OpenError::TooMany(max));
        }
        let backend = match profile.config.backend {
            TerminalBackend::Pty => &self.inner.pty,
            TerminalBackend::Ttyd => &self.inner.ttyd,
            TerminalBackend::DockerExec => &self.inner.docker,
        };
        let spawned = match backend.spawn(&profile, size).await {
            Ok(s) => s,
            Err(e) => {
                self.inner.open.fetch_sub(1, Ordering::SeqCst);
                return Err(e.into());
            }
        };
        let id = uuid::Uuid::new_v4().simple().to_string();
        let session = Arc::new(Session::new(
            id.clone(),
            profile,
            spawned.title,
            spawned.control,
            self.inner.config.scrollback_bytes,
        ));
        self.sessions().insert(id, session.clone());
        tracing::info!(session = %session.id, profile = session.profile.name(), "terminal session started");
        let this = self.clone();
        let pumped = session.clone();
        tokio::spawn(async move {
            let status = pumped.pump(spawned.output).await;
            tracing::info!(session = %pumped.id, %status, "terminal process ended");
            // Whatever is left of the process group goes now, not after the grace period.
            pumped.terminate().await;
            if !pumped.has_client() {
                // Kept for the grace period so a returning client still sees the ending.
                this.schedule_expiry(&pumped, pumped.generation());
            }
        });
        Ok(session)
    }

    /// The client of `generation` went away without saying goodbye: keep the session
    /// for the grace period, unless its process has already ended.
    pub fn detach(&self, session: &Arc<Session>, generation: u64) {
        let Some(now) = session.detach(generation) else {
            return;
        };
        if session.exit_status().is_some() {
            self.close(&session.id);
        } else {
            self.schedule_expiry(session, now);
        }
    }

    fn schedule_expiry(&self, session: &Arc<Session>, generation: u64) {
        let grace = Duration::from_secs(self.inner.config.grace_seconds);
        let this = self.clone();
        let session = session.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            if session.idle_since(generation) {
                tracing::info!(session = %session.id, "no client came back within the grace period; ending the session");
                this.close(&session.id);
            }
        });
    }

    /// Ends a session now: its client is sent away, its process group signalled and reaped.
    pub fn close(&self, id: &str) {
        let Some(session) = self.sessions().remove(id) else {
            return;
        };
        self.inner.open.fetch_sub(1, Ordering::SeqCst);
        session.kick();
        tokio::spawn(async move { session.terminate().await });
    }

    /// Ends every session and waits until their processes are gone (server shutdown).
    pub async fn shutdown(&self) {
        let all: Vec<_> = self.sessions().drain().map(|(_, s)| s).collect();
        self.inner.open.fetch_sub(all.len(), Ordering::SeqCst);
        let ends = all.into_iter().map(|s| async move {
            s.kick();
            s.terminate().await;
        });
        futures_util::future::join_all(ends).await;
    }
}
