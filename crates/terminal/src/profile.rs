//! A profile as the server runs it: the configured one plus the resolved command line.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use workbench_config::{TerminalBackend, TerminalProfile};

#[derive(Debug, Clone)]
pub struct Profile {
    pub config: TerminalProfile,
}

/// What the Terminal tab learns about a profile (no command line, no credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub name: String,
    pub title: String,
    pub read_only: bool,
    pub backend: String,
    /// For local programs: whether the program was found on `PATH`.
    pub available: bool,
}

impl Profile {
    pub fn new(config: TerminalProfile) -> Self {
        Self { config }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn read_only(&self) -> bool {
        self.config.read_only
    }

    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.config.env
    }

    /// The argv to run: the configured command, or the login shell for an empty one.
    pub fn argv(&self) -> Vec<String> {
        if !self.config.command.is_empty() {
            return self.config.command.clone();
        }
        let shell = std::env::var("SHELL")
            .ok()
            .filter(|s| !s.is_empty() && find_program(s).is_some());
        vec![shell.unwrap_or_else(|| "bash".into()), "-l".into()]
    }

    pub fn summary(&self) -> ProfileSummary {
        let available = match self.config.backend {
            TerminalBackend::Pty => self
                .argv()
                .first()
                .is_some_and(|p| find_program(p).is_some()),
            TerminalBackend::Ttyd | TerminalBackend::DockerExec => true,
        };
        ProfileSummary {
            name: self.config.name.clone(),
            title: self.config.title.clone(),
            read_only: self.config.read_only,
            backend: self.config.backend.to_string(),
            available,
        }
    }
}

/// Where `program` would be run from: itself if it has a `/`, else the first executable
/// file of that name on `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = Path::new(program);
        return is_executable(p).then(|| p.to_path_buf());
    }
    let path =
        std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_on_path_only_when_executable() {
        assert!(find_program("sh").is_some());
        assert!(find_program("/bin/sh").is_some());
        assert!(find_program("no-such-program-xyz").is_none());
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "echo").expect("write");
        assert!(
            find_program(&plain.to_string_lossy()).is_none(),
            "not executable"
        );
        assert!(find_program("/").is_none(), "a directory");
    }

    #[test]
    fn empty_command_is_a_login_shell() {
        let p = Profile::new(TerminalProfile::program("shell", "Shell", &[]));
        let argv = p.argv();
        assert_eq!(argv.len(), 2);
        assert_eq!(argv[1], "-l");
        assert!(p.summary().available);
        let missing = Profile::new(TerminalProfile::program("x", "X", &["no-such-program-xyz"]));
        assert!(!missing.summary().available);
    }
}
