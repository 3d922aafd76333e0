//! A real pseudo-terminal on this machine (pty-process). The child is a session leader,
//! so its process id is the process group that [`Control::terminate`] signals; a task per
//! session waits on it, so it is reaped the moment it exits.

use std::io;
use std::time::Duration;

use futures_util::stream;
use pty_process::{OwnedReadPty, OwnedWritePty, Size};
use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Mutex, watch};
use ttyd_protocol::{ExitStatus, WindowSize};

use super::{Backend, BoxFuture, Control, SpawnError, Spawned};
use crate::profile::{Profile, find_program};

/// Largest chunk read at once; a Linux PTY hands over about 4 KiB per read anyway.
const READ_CHUNK: usize = 64 * 1024;
/// After the program exits, output still buffered in the PTY is read until this long
/// passes with none (a background job may hold the PTY open forever).
const DRAIN_IDLE: Duration = Duration::from_millis(300);
/// How long a hung-up process group gets to exit before SIGKILL.
const HANGUP_GRACE: Duration = Duration::from_secs(2);

pub struct PtyBackend;

impl Backend for PtyBackend {
    fn spawn<'a>(
        &'a self,
        profile: &'a Profile,
        size: WindowSize,
    ) -> BoxFuture<'a, Result<Spawned, SpawnError>> {
        Box::pin(async move { spawn(profile, size) })
    }
}

fn spawn(profile: &Profile, size: WindowSize) -> Result<Spawned, SpawnError> {
    let argv = profile.argv();
    let program = argv.first().cloned().unwrap_or_default();
    if find_program(&program).is_none() {
        return Err(SpawnError::MissingProgram {
            profile: profile.name().to_owned(),
            program,
        });
    }
    let io_err = |source: io::Error| SpawnError::Io {
        what: program.clone(),
        source,
    };
    let pty_err = |e: pty_process::Error| io_err(io::Error::other(e));
    let (pty, pts) = pty_process::open().map_err(pty_err)?;
    pty.resize(pty_size(size)).map_err(pty_err)?;
    let mut cmd = pty_process::Command::new(&program)
        .args(&argv[1..])
        .env("TERM", "xterm-256color")
        .env("COLORTERM", "truecolor")
        .envs(profile.env());
    if let Some(cwd) = &profile.config.cwd {
        cmd = cmd.current_dir(cwd);
    }
    let mut child = cmd.spawn(pts).map_err(pty_err)?;
    let pid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);
    let (exit_tx, exit_rx) = watch::channel(None);
    tokio::spawn(async move {
        let status = match child.wait().await {
            Ok(status) => ExitStatus::from(status),
            Err(_) => ExitStatus::Unknown,
        };
        let _ = exit_tx.send(Some(status));
    });
    let (read, write) = pty.into_split();
    Ok(Spawned {
        title: format!("{} ({})", argv.join(" "), hostname()),
        output: output_stream(read, exit_rx.clone()),
        control: Box::new(PtyControl {
            write: Mutex::new(write),
            pgid: pid,
            exit: exit_rx,
        }),
    })
}

fn pty_size(size: WindowSize) -> Size {
    Size::new(size.rows(), size.columns())
}

pub(crate) fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

struct ReadState {
    read: OwnedReadPty,
    exit: watch::Receiver<Option<ExitStatus>>,
    exited: bool,
    buf: Vec<u8>,
}

/// Reads until the PTY reports EOF/EIO (every writer gone) or, once the program has
/// exited, until it has been quiet for [`DRAIN_IDLE`].
fn output_stream(
    read: OwnedReadPty,
    exit: watch::Receiver<Option<ExitStatus>>,
) -> super::OutputStream {
    let state = ReadState {
        read,
        exit,
        exited: false,
        buf: vec![0; READ_CHUNK],
    };
    Box::pin(stream::unfold(Some(state), |state| async move {
        let mut st = state?;
        loop {
            let read = if st.exited {
                match tokio::time::timeout(DRAIN_IDLE, st.read.read(&mut st.buf)).await {
                    Ok(r) => r,
                    Err(_) => return None,
                }
            } else {
                tokio::select! {
                    r = st.read.read(&mut st.buf) => r,
                    _ = st.exit.wait_for(Option::is_some) => {
                        st.exited = true;
                        continue;
                    }
                }
            };
            return match read {
                Ok(0) => None,
                Ok(n) => {
                    let chunk = st.buf[..n].to_vec();
                    Some((Ok(chunk), Some(st)))
                }
                // Linux reports a PTY whose other side is closed as EIO.
                Err(e) if e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error()) => None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Some((Err(e), None)),
            };
        }
    }))
}

struct PtyControl {
    write: Mutex<OwnedWritePty>,
    pgid: Option<Pid>,
    exit: watch::Receiver<Option<ExitStatus>>,
}

impl Control for PtyControl {
    fn write<'a>(&'a self, data: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut w = self.write.lock().await;
            w.write_all(data).await?;
            w.flush().await
        })
    }

    fn resize(&self, size: WindowSize) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move {
            let w = self.write.lock().await;
            w.resize(pty_size(size)).map_err(io::Error::other)
        })
    }

    fn wait(&self) -> BoxFuture<'_, ExitStatus> {
        Box::pin(async move {
            let mut exit = self.exit.clone();
            match exit.wait_for(Option::is_some).await {
                Ok(status) => status.unwrap_or(ExitStatus::Unknown),
                Err(_) => ExitStatus::Unknown,
            }
        })
    }

    fn terminate(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let Some(sid) = self.pgid else { return };
            if signal_session(sid, Signal::HUP) {
                let deadline = tokio::time::Instant::now() + HANGUP_GRACE;
                while !session_members(sid).is_empty() && tokio::time::Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                if signal_session(sid, Signal::KILL) {
                    tracing::info!(
                        sid = sid.as_raw_nonzero().get(),
                        "terminal processes ignored SIGHUP; killed them"
                    );
                }
            }
            // The waiter task reaps the leader; wait for it so no zombie outlives us.
            let mut exit = self.exit.clone();
            let _ = tokio::time::timeout(HANGUP_GRACE, exit.wait_for(Option::is_some)).await;
        })
    }
}

/// Sends `signal` to every process group of the terminal's session (an interactive shell
/// puts each job in a group of its own), and SIGCONT so stopped jobs see it. Returns
/// whether there was anyone to signal.
fn signal_session(sid: Pid, signal: Signal) -> bool {
    let mut groups: Vec<i32> = session_members(sid)
        .into_iter()
        .map(|(_, pgrp)| pgrp)
        .collect();
    groups.sort_unstable();
    groups.dedup();
    for pgrp in &groups {
        if let Some(pgrp) = Pid::from_raw(*pgrp) {
            let _ = kill_process_group(pgrp, signal);
            let _ = kill_process_group(pgrp, Signal::CONT);
        }
    }
    !groups.is_empty()
}

/// `(pid, process group)` of the live (not zombie) processes in session `sid`, from /proc.
/// Processes that left the session on purpose (setsid, daemons) are not ours to end.
fn session_members(sid: Pid) -> Vec<(i32, i32)> {
    let sid = sid.as_raw_nonzero().get();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            parse_stat(&stat)
                .filter(|s| s.session == sid && s.state != 'Z')
                .map(|s| (pid, s.pgrp))
        })
        .collect()
}

struct Stat {
    state: char,
    pgrp: i32,
    session: i32,
}

/// `pid (comm) state ppid pgrp session ...`; comm may contain spaces and parentheses.
fn parse_stat(stat: &str) -> Option<Stat> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    let session = fields.next()?.parse().ok()?;
    Some(Stat {
        state,
        pgrp,
        session,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_stat;

    #[test]
    fn parses_proc_stat_with_odd_names() {
        let s = parse_stat("42 (a) b (c)) S 1 40 39 34816 0").expect("parses");
        assert_eq!((s.state, s.pgrp, s.session), ('S', 40, 39));
        assert!(parse_stat("garbage").is_none());
        assert!(parse_stat("1 (x) S 1").is_none());
    }
}
