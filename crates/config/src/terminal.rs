//! `[terminal]`: the Terminal tab's limits and its profiles (what `+` can open).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ConfigError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TerminalConfig {
    /// Bytes of recent output each session keeps to replay when a browser reattaches.
    pub scrollback_bytes: usize,
    /// Seconds a session with no browser attached is kept before its processes are ended.
    pub grace_seconds: u64,
    /// Sessions (attached or waiting to be reattached) that may exist at once.
    pub max_clients: usize,
    /// Font for the terminal, a CSS font-family list.
    pub font_family: String,
    /// Font size in CSS pixels.
    pub font_size: u16,
    /// Colour preset: `dark` or `light`.
    pub theme: String,
    /// Single colours over the preset, by xterm.js theme key in snake_case
    /// (see [`crate::terminal_theme::COLOR_KEYS`]).
    pub colors: BTreeMap<String, String>,
    /// What `+` offers; the first one is what a new tab opens.
    pub profiles: Vec<TerminalProfile>,
    /// permessage-deflate on the terminal WebSockets.
    pub compression: TerminalCompression,
}

/// Whether terminal output is compressed on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerminalCompression {
    /// permessage-deflate (RFC 7692) when the browser offers it, which browsers do.
    #[default]
    Deflate,
    /// Never: for a proxy that mangles the extension handshake, or a host whose CPU is
    /// scarcer than its bandwidth.
    Off,
}

/// One kind of terminal: `/terminal/<name>/` is its ttyd-compatible base path.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalProfile {
    /// Lower-case letters, digits and `-`: it is part of the URL.
    pub name: String,
    /// What the `+` menu and a new tab show.
    pub title: String,
    /// Program and arguments (an argv list, never a shell string). Empty: the login
    /// shell, `$SHELL -l` or `bash -l`.
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub backend: TerminalBackend,
    /// Working directory; the server's own when absent.
    #[serde(default)]
    pub cwd: Option<PathBuf>,
    /// Extra environment variables for the program.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Output only: keystrokes from the browser are dropped.
    #[serde(default)]
    pub read_only: bool,
    /// `ttyd` backend: the upstream's base URL, e.g. `http://127.0.0.1:7681/`.
    #[serde(default)]
    pub url: Option<String>,
    /// `ttyd` backend: `user:pass` when the upstream runs with `-c` (a secret).
    #[serde(default)]
    pub credential: Option<String>,
    /// `docker-exec` backend: the container to open a shell in.
    #[serde(default)]
    pub container: Option<String>,
}

/// The credential never reaches a log line.
impl fmt::Debug for TerminalProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TerminalProfile")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("command", &self.command)
            .field("backend", &self.backend)
            .field("cwd", &self.cwd)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("read_only", &self.read_only)
            .field("url", &self.url)
            .field(
                "credential",
                &self.credential.as_ref().map(|_| "<redacted>"),
            )
            .field("container", &self.container)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerminalBackend {
    /// A real pseudo-terminal on this machine.
    #[default]
    Pty,
    /// An upstream ttyd server, used as a client.
    Ttyd,
    /// `docker exec` into a running container, with a TTY.
    DockerExec,
}

impl fmt::Display for TerminalBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TerminalBackend::Pty => "pty",
            TerminalBackend::Ttyd => "ttyd",
            TerminalBackend::DockerExec => "docker-exec",
        })
    }
}

impl TerminalProfile {
    /// A local program profile with nothing else set.
    pub fn program(name: &str, title: &str, command: &[&str]) -> Self {
        Self {
            name: name.into(),
            title: title.into(),
            command: command.iter().map(|s| (*s).to_string()).collect(),
            backend: TerminalBackend::Pty,
            cwd: None,
            env: BTreeMap::new(),
            read_only: false,
            url: None,
            credential: None,
            container: None,
        }
    }
}

impl TerminalConfig {
    /// The theme as xterm.js takes it (`ITheme`, camelCase keys): the preset, then
    /// `[terminal.colors]` over it.
    pub fn xterm_theme(&self) -> BTreeMap<String, String> {
        crate::terminal_theme::resolve(&self.theme, &self.colors)
    }
}

impl Default for TerminalConfig {
    fn default() -> Self {
        Self {
            scrollback_bytes: 256 * 1024,
            grace_seconds: 300,
            max_clients: 10,
            font_family: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace".into(),
            font_size: 14,
            theme: "dark".into(),
            colors: BTreeMap::new(),
            profiles: vec![
                TerminalProfile::program("shell", "Shell", &[]),
                TerminalProfile::program("claude", "Claude Code", &["claude"]),
                TerminalProfile::program("codex", "Codex", &["codex"]),
                TerminalProfile::program("opencode", "OpenCode", &["opencode"]),
            ],
            compression: TerminalCompression::Deflate,
        }
    }
}

pub(crate) const MIN_SCROLLBACK: usize = 4 * 1024;
pub(crate) const MAX_SCROLLBACK: usize = 64 * 1024 * 1024;

pub(crate) fn validate(t: &TerminalConfig) -> Result<(), ConfigError> {
    let invalid = |key, problem: String, fix: &str| ConfigError::Invalid {
        key,
        problem,
        fix: fix.into(),
    };
    if !(MIN_SCROLLBACK..=MAX_SCROLLBACK).contains(&t.scrollback_bytes) {
        return Err(invalid(
            "terminal.scrollback_bytes",
            format!(
                "{} is outside {MIN_SCROLLBACK}..={MAX_SCROLLBACK}",
                t.scrollback_bytes
            ),
            "pick a size between 4 KiB and 64 MiB, e.g. scrollback_bytes = 262144",
        ));
    }
    if t.max_clients == 0 || t.max_clients > 1000 {
        return Err(invalid(
            "terminal.max_clients",
            format!("{} is outside 1..=1000", t.max_clients),
            "set how many terminal sessions may be open at once, e.g. max_clients = 10",
        ));
    }
    if t.grace_seconds > 7 * 24 * 3600 {
        return Err(invalid(
            "terminal.grace_seconds",
            format!("{} is more than a week", t.grace_seconds),
            "keep detached sessions for at most 604800 seconds",
        ));
    }
    if !(6..=72).contains(&t.font_size) {
        return Err(invalid(
            "terminal.font_size",
            format!("{} is outside 6..=72", t.font_size),
            "use a font size in CSS pixels, e.g. font_size = 14",
        ));
    }
    crate::terminal_theme::validate(&t.theme, &t.colors)?;
    if t.profiles.is_empty() {
        return Err(invalid(
            "terminal.profiles",
            "is empty, so the Terminal tab could open nothing".into(),
            "add at least one [[terminal.profiles]] (see workbench.example.toml)",
        ));
    }
    for (i, p) in t.profiles.iter().enumerate() {
        if !is_profile_name(&p.name) {
            return Err(invalid(
                "terminal.profiles.name",
                format!("{:?} is not a valid profile name", p.name),
                "use 1 to 32 lower-case letters, digits and '-', e.g. name = \"shell\"",
            ));
        }
        if t.profiles[..i].iter().any(|q| q.name == p.name) {
            return Err(invalid(
                "terminal.profiles.name",
                format!("{:?} is used by two profiles", p.name),
                "give every profile its own name",
            ));
        }
        if p.title.trim().is_empty() || p.title.len() > 64 {
            return Err(invalid(
                "terminal.profiles.title",
                format!("profile {:?} needs a title of 1 to 64 bytes", p.name),
                "set title = \"What the tab shows\"",
            ));
        }
        if p.command.iter().any(|a| a.contains('\0'))
            || p.command.first().is_some_and(String::is_empty)
        {
            return Err(invalid(
                "terminal.profiles.command",
                format!("profile {:?} has an empty program or a NUL byte", p.name),
                "give the program and its arguments as a list, e.g. command = [\"htop\", \"-d\", \"10\"]",
            ));
        }
        if let Some(bad) = p
            .env
            .keys()
            .find(|k| k.is_empty() || k.contains(['=', '\0']))
        {
            return Err(invalid(
                "terminal.profiles.env",
                format!("profile {:?} has an invalid variable name {bad:?}", p.name),
                "use plain names such as EDITOR",
            ));
        }
        match p.backend {
            TerminalBackend::Pty => {}
            TerminalBackend::Ttyd => {
                let ok = p
                    .url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
                if !ok {
                    return Err(invalid(
                        "terminal.profiles.url",
                        format!(
                            "profile {:?} uses backend = \"ttyd\" without an http(s) url",
                            p.name
                        ),
                        "set url = \"http://host:7681/\" to the upstream ttyd",
                    ));
                }
                if p.credential.as_deref().is_some_and(|c| !c.contains(':')) {
                    return Err(invalid(
                        "terminal.profiles.credential",
                        format!("profile {:?}: the credential is not user:pass", p.name),
                        "give it as ttyd's -c takes it, credential = \"user:pass\"",
                    ));
                }
            }
            TerminalBackend::DockerExec => {
                let ok = p.container.as_deref().is_some_and(is_container_name);
                if !ok {
                    return Err(invalid(
                        "terminal.profiles.container",
                        format!(
                            "profile {:?} uses backend = \"docker-exec\" without a valid container name",
                            p.name
                        ),
                        "set container = \"dev-workspace\" (a container name or id)",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Profile names are URL path segments.
pub fn is_profile_name(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

/// Docker's own rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
fn is_container_name(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}
