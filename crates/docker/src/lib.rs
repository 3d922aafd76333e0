//! Workbench's one door to Docker. One bollard client per configured engine, built on first
//! use (negotiating the API version once) and shared; every bollard type stays in this file,
//! so callers see only [`Engines`], [`ContainerInfo`], [`ExecSpec`]/[`ExecOutput`] and
//! [`DockerError`].

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::ContainerSummaryStateEnum;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, ListContainersOptionsBuilder,
};
use futures::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::OnceCell;
use workbench_config::DockerHost;

/// Bollard's own per-request bound; ours ([`ExecSpec::timeout`]) is tighter and per call.
const CLIENT_TIMEOUT_SECS: u64 = 120;
/// Listing and inspecting should be quick; a host that takes longer counts as not answering.
const API_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerError {
    #[error("no Docker host named {0:?} is configured")]
    UnknownHost(String),
    #[error("Docker on host {host:?} is not answering")]
    Unreachable { host: String, detail: String },
    #[error("no such container")]
    NoSuchContainer,
    #[error("the container is not running")]
    NotRunning,
    #[error("the container is paused")]
    Paused,
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("Docker answered {status}: {message}")]
    Api { status: u16, message: String },
    /// A session's process ended (container stopped or restarted, or the command failed).
    #[error("the exec session ended")]
    SessionEnded,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerState {
    Running,
    Paused,
    Restarting,
    Created,
    Exited,
    Dead,
    Other,
}

impl ContainerState {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Created => "created",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
            ContainerState::Other => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    /// Without Docker's leading `/`.
    pub name: String,
    pub image: String,
    pub state: ContainerState,
    /// Docker's own line: "Up 5 minutes (healthy)".
    pub status_text: String,
    /// `healthy`, `unhealthy` or `starting`, when the image has a health check.
    pub health: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// One command run in a container: argv only, never a shell string.
#[derive(Clone, Debug)]
pub struct ExecSpec<'a> {
    pub argv: &'a [String],
    pub user: Option<&'a str>,
    pub timeout: Duration,
    /// Output beyond this many bytes (stdout and stderr together) is dropped.
    pub max_output: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
}

struct Engine {
    config: DockerHost,
    client: OnceCell<Docker>,
}

/// A long-running exec with stdin attached: a request is a line written to it, its answer
/// what it prints on stdout up to an end line. It saves a process start (the runc exec, most
/// of an exec's cost) per request; see docs/services.md. Dropping it closes the exec's stdin.
pub struct ExecSession {
    input: Pin<Box<dyn AsyncWrite + Send>>,
    output: Pin<Box<dyn Stream<Item = Result<LogOutput, BollardError>> + Send>>,
    buf: Vec<u8>,
    host: String,
}

impl ExecSession {
    /// Writes `line` and returns stdout up to the line `end` (excluded). After an error the
    /// session's position in its output is unknown: drop it.
    pub async fn request(
        &mut self,
        line: &str,
        end: &str,
        timeout: Duration,
        max_output: usize,
    ) -> Result<String, DockerError> {
        let host = self.host.clone();
        let run = async {
            self.input
                .write_all(line.as_bytes())
                .await
                .map_err(|_| DockerError::SessionEnded)?;
            self.input
                .flush()
                .await
                .map_err(|_| DockerError::SessionEnded)?;
            let end = end.as_bytes();
            loop {
                if let Some(at) = find_line(&self.buf, end) {
                    let answer = String::from_utf8_lossy(&self.buf[..at]).into_owned();
                    self.buf.drain(..at + end.len());
                    return Ok(answer);
                }
                if self.buf.len() > max_output {
                    return Err(DockerError::Api {
                        status: 0,
                        message: format!("session answer over {max_output} bytes"),
                    });
                }
                match self.output.next().await {
                    None => return Err(DockerError::SessionEnded),
                    Some(Err(e)) => return Err(map_error(&host, e)),
                    Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                        self.buf.extend_from_slice(&message)
                    }
                    // Stderr of the session's own shell is noise: the script reports in-band.
                    Some(Ok(_)) => {}
                }
            }
        };
        tokio::time::timeout(timeout, run)
            .await
            .map_err(|_| DockerError::Timeout(timeout))?
    }
}

/// Where the line `end` starts in `buf`: at the start or right after a newline.
fn find_line(buf: &[u8], end: &[u8]) -> Option<usize> {
    if buf.starts_with(end) {
        return Some(0);
    }
    buf.windows(end.len() + 1)
        .position(|w| w[0] == b'\n' && &w[1..] == end)
        .map(|i| i + 1)
}

/// Every configured engine, by name. Cheap to clone.
#[derive(Clone)]
pub struct Engines {
    engines: Arc<Vec<Engine>>,
}

impl Engines {
    pub fn new(hosts: &[DockerHost]) -> Self {
        Self {
            engines: Arc::new(
                hosts
                    .iter()
                    .map(|h| Engine {
                        config: h.clone(),
                        client: OnceCell::new(),
                    })
                    .collect(),
            ),
        }
    }

    pub fn host_names(&self) -> Vec<String> {
        self.engines.iter().map(|e| e.config.name.clone()).collect()
    }

    async fn client(&self, host: &str) -> Result<&Docker, DockerError> {
        let engine = self
            .engines
            .iter()
            .find(|e| e.config.name == host)
            .ok_or_else(|| DockerError::UnknownHost(host.to_string()))?;
        // Not cached on failure: an engine that starts later is picked up on the next call.
        engine
            .client
            .get_or_try_init(|| async {
                let docker = connect(&engine.config).map_err(|e| unreachable(host, &e))?;
                let negotiated = tokio::time::timeout(API_TIMEOUT, docker.negotiate_version())
                    .await
                    .map_err(|_| DockerError::Unreachable {
                        host: host.to_string(),
                        detail: "version negotiation timed out".into(),
                    })?
                    .map_err(|e| unreachable(host, &e))?;
                tracing::info!(host, endpoint = %engine.config.endpoint, "connected to Docker");
                Ok(negotiated)
            })
            .await
    }

    /// Every container on `host`, running or not.
    pub async fn list_containers(&self, host: &str) -> Result<Vec<ContainerInfo>, DockerError> {
        let docker = self.client(host).await?;
        let options = ListContainersOptionsBuilder::new().all(true).build();
        let list = tokio::time::timeout(API_TIMEOUT, docker.list_containers(Some(options)))
            .await
            .map_err(|_| DockerError::Timeout(API_TIMEOUT))?
            .map_err(|e| map_error(host, e))?;
        Ok(list
            .into_iter()
            .map(|c| {
                let status_text = c.status.unwrap_or_default();
                ContainerInfo {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .and_then(|n| n.into_iter().next())
                        .map(|n| n.trim_start_matches('/').to_string())
                        .unwrap_or_default(),
                    image: c.image.unwrap_or_default(),
                    state: match c.state {
                        Some(ContainerSummaryStateEnum::RUNNING) => ContainerState::Running,
                        Some(ContainerSummaryStateEnum::PAUSED) => ContainerState::Paused,
                        Some(ContainerSummaryStateEnum::RESTARTING) => ContainerState::Restarting,
                        Some(ContainerSummaryStateEnum::CREATED) => ContainerState::Created,
                        Some(ContainerSummaryStateEnum::EXITED) => ContainerState::Exited,
                        Some(ContainerSummaryStateEnum::DEAD) => ContainerState::Dead,
                        _ => ContainerState::Other,
                    },
                    health: health_of(&status_text),
                    status_text,
                    labels: c.labels.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect())
    }

    /// Runs `spec.argv` in `container` and collects its output and exit code.
    pub async fn exec(
        &self,
        host: &str,
        container: &str,
        spec: ExecSpec<'_>,
    ) -> Result<ExecOutput, DockerError> {
        let docker = self.client(host).await?;
        let run = async {
            let options = CreateExecOptions::<&str> {
                cmd: Some(spec.argv.iter().map(String::as_str).collect()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                user: spec.user,
                ..Default::default()
            };
            let created = docker
                .create_exec(container, options)
                .await
                .map_err(|e| map_error(host, e))?;
            let mut out = ExecOutput::default();
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            if let StartExecResults::Attached { mut output, .. } = docker
                .start_exec(&created.id, None)
                .await
                .map_err(|e| map_error(host, e))?
            {
                while let Some(chunk) = output.next().await {
                    let chunk = chunk.map_err(|e| map_error(host, e))?;
                    let room = spec.max_output.saturating_sub(stdout.len() + stderr.len());
                    let (buf, bytes) = match &chunk {
                        LogOutput::StdErr { message } => (&mut stderr, message),
                        LogOutput::StdOut { message } | LogOutput::Console { message } => {
                            (&mut stdout, message)
                        }
                        LogOutput::StdIn { .. } => continue,
                    };
                    if bytes.len() > room {
                        out.truncated = true;
                    }
                    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
                }
            }
            let inspect = docker
                .inspect_exec(&created.id)
                .await
                .map_err(|e| map_error(host, e))?;
            out.exit_code = inspect.exit_code;
            out.stdout = String::from_utf8_lossy(&stdout).into_owned();
            out.stderr = String::from_utf8_lossy(&stderr).into_owned();
            Ok(out)
        };
        tokio::time::timeout(spec.timeout, run)
            .await
            .map_err(|_| DockerError::Timeout(spec.timeout))?
    }

    /// Starts `argv` in `container` with stdin attached, for [`ExecSession::request`].
    pub async fn open_session(
        &self,
        host: &str,
        container: &str,
        argv: &[String],
        user: Option<&str>,
        timeout: Duration,
    ) -> Result<ExecSession, DockerError> {
        let docker = self.client(host).await?;
        let run = async {
            let options = CreateExecOptions::<&str> {
                cmd: Some(argv.iter().map(String::as_str).collect()),
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                user,
                ..Default::default()
            };
            let created = docker
                .create_exec(container, options)
                .await
                .map_err(|e| map_error(host, e))?;
            match docker
                .start_exec(&created.id, None)
                .await
                .map_err(|e| map_error(host, e))?
            {
                StartExecResults::Attached { output, input } => Ok(ExecSession {
                    input,
                    output,
                    buf: Vec::new(),
                    host: host.to_string(),
                }),
                StartExecResults::Detached => Err(DockerError::SessionEnded),
            }
        };
        tokio::time::timeout(timeout, run)
            .await
            .map_err(|_| DockerError::Timeout(timeout))?
    }

    /// Whether `path` exists in the container, read through the archive API (no exec, so it
    /// works on a stopped container and needs no binary inside).
    pub async fn path_exists(
        &self,
        host: &str,
        container: &str,
        path: &str,
    ) -> Result<bool, DockerError> {
        let docker = self.client(host).await?;
        let options = DownloadFromContainerOptionsBuilder::new()
            .path(path)
            .build();
        let mut stream = docker.download_from_container(container, Some(options));
        match tokio::time::timeout(API_TIMEOUT, stream.next()).await {
            Err(_) => Err(DockerError::Timeout(API_TIMEOUT)),
            Ok(None) | Ok(Some(Ok(_))) => Ok(true),
            Ok(Some(Err(e))) => match map_error(host, e) {
                DockerError::NoSuchContainer => Ok(false),
                other => Err(other),
            },
        }
    }
}

fn connect(h: &DockerHost) -> Result<Docker, BollardError> {
    if let Some(path) = h.endpoint.strip_prefix("unix://") {
        Docker::connect_with_unix(path, CLIENT_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
    } else {
        // Config validation guarantees all three for a TCP endpoint.
        let none = std::path::PathBuf::new();
        Docker::connect_with_ssl(
            &h.endpoint,
            h.tls_key.as_ref().unwrap_or(&none),
            h.tls_cert.as_ref().unwrap_or(&none),
            h.tls_ca.as_ref().unwrap_or(&none),
            CLIENT_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        )
    }
}

fn unreachable(host: &str, e: &BollardError) -> DockerError {
    DockerError::Unreachable {
        host: host.to_string(),
        detail: e.to_string(),
    }
}

fn map_error(host: &str, e: BollardError) -> DockerError {
    match e {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => {
            let lower = message.to_ascii_lowercase();
            match status_code {
                404 => DockerError::NoSuchContainer,
                409 if lower.contains("paused") => DockerError::Paused,
                409 if lower.contains("not running") => DockerError::NotRunning,
                _ => DockerError::Api {
                    status: status_code,
                    message,
                },
            }
        }
        other => unreachable(host, &other),
    }
}

/// Docker's status line ends in `(healthy)`, `(unhealthy)` or `(health: starting)`.
fn health_of(status: &str) -> Option<String> {
    let inner = status.rsplit_once('(')?.1.strip_suffix(')')?;
    match inner {
        "healthy" | "unhealthy" => Some(inner.to_string()),
        "health: starting" => Some("starting".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_lines_are_whole_lines() {
        assert_eq!(find_line(b"end\t1\n", b"end\t1\n"), Some(0));
        assert_eq!(find_line(b"a\nend\t1\nrest", b"end\t1\n"), Some(2));
        assert_eq!(find_line(b"xend\t1\n", b"end\t1\n"), None);
        assert_eq!(find_line(b"end\t12\n", b"end\t1\n"), None);
        assert_eq!(find_line(b"", b"end\t1\n"), None);
    }

    #[test]
    fn health_from_status() {
        assert_eq!(
            health_of("Up 5 minutes (healthy)").as_deref(),
            Some("healthy")
        );
        assert_eq!(
            health_of("Up 1 second (health: starting)").as_deref(),
            Some("starting")
        );
        assert_eq!(health_of("Up 5 minutes").as_deref(), None);
        assert_eq!(health_of("Exited (0) 3 seconds ago").as_deref(), None);
    }

    #[test]
    fn errors_map_to_kinds() {
        let e = |status_code, message: &str| BollardError::DockerResponseServerError {
            status_code,
            message: message.into(),
        };
        assert_eq!(
            map_error("h", e(404, "No such container: x")),
            DockerError::NoSuchContainer
        );
        assert_eq!(
            map_error(
                "h",
                e(
                    409,
                    "Container x is paused, unpause the container before exec"
                )
            ),
            DockerError::Paused
        );
        assert_eq!(
            map_error("h", e(409, "Container abc is not running")),
            DockerError::NotRunning
        );
        assert!(matches!(
            map_error("h", e(500, "boom")),
            DockerError::Api { status: 500, .. }
        ));
    }
}
