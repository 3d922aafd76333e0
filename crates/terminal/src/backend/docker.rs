//! `docker-exec`: a shell inside a running container through the Docker API (an exec with
//! a TTY; the exec is resized like a PTY). bollard stays inside this module.

use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::ResizeExecOptions;
use futures_util::StreamExt;
use rustix::process::{Pid, Signal, kill_process};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;
use ttyd_protocol::{ExitStatus, WindowSize};

use super::{Backend, BoxFuture, Control, SpawnError, Spawned};
use crate::profile::Profile;

/// What runs when the profile gives no command: bash if the image has it, else sh.
/// A constant, never built from input.
const DEFAULT_SHELL: [&str; 3] = [
    "sh",
    "-c",
    "command -v bash >/dev/null && exec bash -l || exec sh -l",
];

pub struct DockerBackend {
    /// Connected on first use, so a server without Docker starts fine.
    client: OnceLock<Result<Docker, String>>,
}

impl DockerBackend {
    pub fn new() -> Self {
        Self {
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<Docker, SpawnError> {
        self.client
            .get_or_init(|| Docker::connect_with_local_defaults().map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| {
                tracing::warn!(error = %e, "cannot set up the Docker client");
                SpawnError::Docker(
                    "cannot reach the Docker engine; is it running, and is DOCKER_HOST right?"
                        .into(),
                )
            })
    }
}

impl Backend for DockerBackend {
    fn spawn<'a>(
        &'a self,
        profile: &'a Profile,
        size: WindowSize,
    ) -> BoxFuture<'a, Result<Spawned, SpawnError>> {
        Box::pin(async move { self.exec(profile, size).await })
    }
}

fn docker_error(container: &str, e: bollard::errors::Error) -> SpawnError {
    match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        } => SpawnError::Docker(format!(
            "there is no container named {container:?}; start it, or change container = in workbench.toml"
        )),
        bollard::errors::Error::DockerResponseServerError {
            status_code: 409, ..
        } => SpawnError::Docker(format!(
            "container {container:?} is not running; start it first"
        )),
        other => {
            tracing::warn!(container, error = %other, "docker exec failed");
            SpawnError::Docker(format!(
                "could not open a shell in {container:?}; the server log has the reason"
            ))
        }
    }
}

impl DockerBackend {
    async fn exec(&self, profile: &Profile, size: WindowSize) -> Result<Spawned, SpawnError> {
        let docker = self.client()?;
        let container = profile.config.container.clone().unwrap_or_default();
        let cmd: Vec<String> = if profile.config.command.is_empty() {
            DEFAULT_SHELL.iter().map(|s| (*s).to_string()).collect()
        } else {
            profile.config.command.clone()
        };
        let mut env = vec![
            "TERM=xterm-256color".to_string(),
            "COLORTERM=truecolor".to_string(),
        ];
        env.extend(profile.env().iter().map(|(k, v)| format!("{k}={v}")));
        let created = docker
            .create_exec(
                &container,
                CreateExecOptions {
                    attach_stdin: Some(true),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    tty: Some(true),
                    env: Some(env),
                    cmd: Some(cmd.clone()),
                    working_dir: profile
                        .config
                        .cwd
                        .as_ref()
                        .map(|p| p.to_string_lossy().into_owned()),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| docker_error(&container, e))?;
        let started = docker
            .start_exec(
                &created.id,
                Some(StartExecOptions {
                    detach: false,
                    tty: true,
                    output_capacity: None,
                }),
            )
            .await
            .map_err(|e| docker_error(&container, e))?;
        let StartExecResults::Attached { output, input } = started else {
            return Err(SpawnError::Docker("the exec started detached".into()));
        };
        let control = DockerControl {
            docker,
            exec_id: created.id,
            input: Mutex::new(input),
        };
        let _ = control.resize_exec(size).await;
        let output = output.map(|item| match item {
            Ok(log) => Ok(log.into_bytes().to_vec()),
            Err(e) => Err(io::Error::other(e)),
        });
        Ok(Spawned {
            title: format!("{} ({container})", cmd.join(" ")),
            output: Box::pin(output),
            control: Box::new(control),
        })
    }
}

struct DockerControl {
    docker: Docker,
    exec_id: String,
    input: Mutex<Pin<Box<dyn AsyncWrite + Send>>>,
}

impl DockerControl {
    async fn resize_exec(&self, size: WindowSize) -> io::Result<()> {
        self.docker
            .resize_exec(
                &self.exec_id,
                ResizeExecOptions {
                    h: i32::from(size.rows()),
                    w: i32::from(size.columns()),
                },
            )
            .await
            .map_err(io::Error::other)
    }

    async fn inspect(&self) -> Option<(bool, Option<i64>, Option<i64>)> {
        let r = self.docker.inspect_exec(&self.exec_id).await.ok()?;
        Some((r.running.unwrap_or(false), r.exit_code, r.pid))
    }
}

impl Control for DockerControl {
    fn write<'a>(&'a self, data: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let mut input = self.input.lock().await;
            input.write_all(data).await?;
            input.flush().await
        })
    }

    fn resize(&self, size: WindowSize) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(self.resize_exec(size))
    }

    fn wait(&self) -> BoxFuture<'_, ExitStatus> {
        Box::pin(async move {
            // The output ends a moment before the engine records the exit code.
            for _ in 0..50 {
                match self.inspect().await {
                    Some((false, Some(code), _)) => {
                        return ExitStatus::Exited(i32::try_from(code).unwrap_or(-1));
                    }
                    Some((true, _, _)) => tokio::time::sleep(Duration::from_millis(20)).await,
                    _ => return ExitStatus::Unknown,
                }
            }
            ExitStatus::Unknown
        })
    }

    /// The Docker API cannot signal an exec: end its input, and when the engine runs on
    /// this machine, hang up the exec's process (its host pid) as a terminal would.
    fn terminate(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.input.lock().await.shutdown().await;
            for _ in 0..20 {
                match self.inspect().await {
                    Some((true, _, pid)) => {
                        if let Some(pid) = pid
                            .and_then(|p| i32::try_from(p).ok())
                            .and_then(Pid::from_raw)
                        {
                            let _ = kill_process(pid, Signal::HUP);
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    _ => return,
                }
            }
        })
    }
}
