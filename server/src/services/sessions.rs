//! One status session per managed container (see `workbench_docker::ExecSession`), opened on
//! first use and kept while the container is listed: a status read is then a line written to
//! a running shell instead of a new process in the container.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use workbench_docker::ExecSession;

/// `None` until opened, and again after the session failed.
pub type Slot = Arc<tokio::sync::Mutex<Option<ExecSession>>>;

#[derive(Clone, Default)]
pub struct Sessions {
    /// By (host, container id): a container recreated under the same name is a new one.
    slots: Arc<Mutex<HashMap<(String, String), Slot>>>,
    next_token: Arc<AtomicU64>,
}

impl Sessions {
    /// The container's slot; its lock makes requests to one container go one at a time.
    pub fn slot(&self, host: &str, id: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots
            .entry((host.to_string(), id.to_string()))
            .or_default()
            .clone()
    }

    /// Drops the sessions of `host`'s containers that are no longer listed (their exec ends
    /// when its stdin closes).
    pub fn retain<'a>(&self, host: &str, listed: impl Iterator<Item = &'a str>) {
        let listed: Vec<&str> = listed.collect();
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|(h, id), _| h != host || listed.contains(&id.as_str()));
    }

    /// A fresh token for a request's end line.
    pub fn token(&self) -> u64 {
        self.next_token.fetch_add(1, Ordering::Relaxed)
    }
}
