//! Controlling services: an [`Action`] and names already validated against what the
//! container has become argv arrays for `s6-svc` or `s6-rc`, called by absolute path.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Up,
    Down,
    Restart,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Restart => "restart",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "up" | "start" => Ok(Action::Up),
            "down" | "stop" => Ok(Action::Down),
            "restart" => Ok(Action::Restart),
            _ => Err(NameError),
        }
    }
}

/// How a service is supervised, which decides the tool that controls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlKind {
    /// Plain s6: `s6-svc`.
    Svc,
    /// Managed by s6-rc (s6-overlay v3): `s6-rc change`, else s6-rc's view goes stale.
    S6Rc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid name")]
pub struct NameError;

/// A service dir's name as s6 allows it and we accept it: 1–64 of `[A-Za-z0-9._@-]`, not
/// starting with `.` or `-` (so never an option nor a hidden or parent dir).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceName(String);

impl ServiceName {
    pub fn new(s: &str) -> Result<Self, NameError> {
        let ok = (1..=64).contains(&s.len())
            && !s.starts_with(['.', '-'])
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(NameError)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ServiceName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        Self::new(&s)
    }
}

impl From<ServiceName> for String {
    fn from(n: ServiceName) -> String {
        n.0
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One exec: its argv and how long s6 itself may wait (the exec's own timeout adds a margin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub argv: Vec<String>,
    pub wait_ms: u64,
}

/// The execs that carry out `action` on `names` (all of one kind), in order.
/// `all_up` says whether every target is up now: `s6-svc -r` only restarts a running service.
pub fn steps(
    bin_dir: &str,
    scan_dir: &str,
    kind: ControlKind,
    action: Action,
    names: &[ServiceName],
    all_up: bool,
    wait_ms: u64,
) -> Vec<Step> {
    let t = wait_ms.to_string();
    let names_iter = || names.iter().map(|n| n.as_str().to_string());
    let dirs = || names.iter().map(|n| format!("{scan_dir}/{n}"));
    let svc = |flags: &[&str]| {
        let mut argv = vec![format!("{bin_dir}/s6-svc")];
        argv.extend(flags.iter().map(|f| f.to_string()));
        argv.extend(["-T".to_string(), t.clone()]);
        argv.extend(dirs());
        Step { argv, wait_ms }
    };
    let rc = |dir: &str| {
        let mut argv = vec![
            format!("{bin_dir}/s6-rc"),
            "-t".into(),
            t.clone(),
            dir.into(),
            "change".into(),
        ];
        argv.extend(names_iter());
        Step { argv, wait_ms }
    };
    match (kind, action) {
        (ControlKind::Svc, Action::Up) => vec![svc(&["-wu", "-u"])],
        // -wD: wait until the process is gone and its finish script done, so rtorrent can
        // remove its lock file; never SIGKILL early.
        (ControlKind::Svc, Action::Down) => vec![svc(&["-wD", "-d"])],
        (ControlKind::Svc, Action::Restart) if all_up => vec![svc(&["-wr", "-r"])],
        (ControlKind::Svc, Action::Restart) => vec![svc(&["-wu", "-u"])],
        (ControlKind::S6Rc, Action::Up) => vec![rc("-u")],
        (ControlKind::S6Rc, Action::Down) => vec![rc("-d")],
        (ControlKind::S6Rc, Action::Restart) => vec![rc("-d"), rc("-u")],
    }
}

/// What an exit of `s6-svc`/`s6-rc` means, for the person who clicked.
pub fn explain_failure(exit_code: i64, output: &str) -> String {
    let lower = output.to_ascii_lowercase();
    if lower.contains("permission denied") {
        "permission denied: the exec user may not control s6 (set label workbench.services.user=root)".into()
    } else if lower.contains("supervisor not listening")
        || lower.contains("s6-supervise not running")
    {
        "s6 is not supervising this service (is s6-svscan running as PID 1?)".into()
    } else if lower.contains("no such file or directory") {
        "the service directory does not exist in the container".into()
    } else if exit_code == 99 || lower.contains("timed out") {
        "s6 did not see the service reach the state in time; it may still be starting or stopping"
            .into()
    } else {
        format!("s6 refused the command (exit code {exit_code})")
    }
}
