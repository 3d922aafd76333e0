//! The service panel's logic: which containers are managed (label or config), reading every
//! service's s6 state (one exec per container, containers in parallel, bounded), and carrying
//! out an action on a group or a service, then reading the state back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::sessions::Sessions;
use futures::StreamExt;
use futures::future::join_all;
use workbench_config::{DockerConfig, MANAGED_LABEL, is_simple_name};
use workbench_docker::{ContainerInfo, ContainerState, DockerError, Engines, ExecSpec};
use workbench_s6::control::{explain_failure, steps};
use workbench_s6::discovery::{self, Discovery, Mode, ScanError};
use workbench_s6::{Action, ControlKind, ServiceName};
use workbench_services_api::{
    ActionResponse, ApiError, ContainerView, GroupState, GroupView, HostView, ServiceView,
    ServicesResponse,
};

/// Extra time an exec gets beyond what s6 itself was told to wait.
const EXEC_MARGIN: Duration = Duration::from_secs(5);
const MAX_STATUS_OUTPUT: usize = discovery::MAX_OUTPUT;
const MAX_CONTROL_OUTPUT: usize = 16 * 1024;

/// A failure with an HTTP status, a stable code and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ServiceError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn api(&self) -> ApiError {
        ApiError {
            code: self.code.into(),
            message: self.message.clone(),
        }
    }
    fn not_managed(host: &str, container: &str) -> Self {
        // The same answer for absent and unmanaged containers: unmanaged ones are invisible.
        Self::new(
            404,
            "not_managed",
            format!(
                "No managed container {container:?} on host {host:?}. Label it workbench.services=true \
                 or list it in docker.containers."
            ),
        )
    }
    fn from_docker(host: &str, container: &str, e: DockerError) -> Self {
        match e {
            DockerError::UnknownHost(_) | DockerError::NoSuchContainer => {
                Self::not_managed(host, container)
            }
            DockerError::NotRunning => Self::new(
                409,
                "container_stopped",
                format!(
                    "Container {container:?} is not running. Start it (docker start {container}) and try again."
                ),
            ),
            DockerError::Paused => Self::new(
                409,
                "container_paused",
                format!(
                    "Container {container:?} is paused. Unpause it (docker unpause {container}) and try again."
                ),
            ),
            DockerError::Timeout(t) => Self::new(
                504,
                "timeout",
                format!(
                    "The container did not answer within {} s; it may be overloaded. Try again.",
                    t.as_secs()
                ),
            ),
            DockerError::Unreachable { host, detail } => {
                tracing::warn!(host, detail, "Docker engine not answering");
                Self::new(
                    503,
                    "host_unreachable",
                    format!(
                        "Docker on host {host:?} is not answering. Check that the engine runs and docker.hosts points at it."
                    ),
                )
            }
            DockerError::SessionEnded => Self::new(
                409,
                "container_stopped",
                format!(
                    "Container {container:?} stopped while it was read. Check it and try again."
                ),
            ),
            DockerError::Api { status, message } => {
                tracing::warn!(host, container, status, message, "Docker API error");
                Self::new(
                    502,
                    "docker_error",
                    "Docker refused the request; see the server log for details.",
                )
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Group {
    name: String,
    label: String,
    services: Vec<String>,
    lock_files: Vec<String>,
}

/// A container the panel may touch, with its settings from config and labels.
#[derive(Clone, Debug)]
struct Managed {
    host: String,
    info: ContainerInfo,
    display_name: String,
    scan_dir: Option<String>,
    user: Option<String>,
    groups: Vec<Group>,
}

#[derive(Clone)]
pub struct ServiceController {
    engines: Engines,
    config: Arc<DockerConfig>,
    sessions: Sessions,
}

impl ServiceController {
    pub fn new(config: &DockerConfig) -> Self {
        Self {
            engines: Engines::new(&config.hosts),
            config: Arc::new(config.clone()),
            sessions: Sessions::default(),
        }
    }

    pub fn engines(&self) -> &Engines {
        &self.engines
    }

    /// Every host's managed containers with their services, hosts and containers in parallel.
    pub async fn overview(&self) -> ServicesResponse {
        let listed = join_all(self.config.hosts.iter().map(|h| async move {
            let name = h.name.clone();
            let managed = self.managed_on(&name).await;
            (name, managed)
        }))
        .await;
        let mut hosts = Vec::new();
        let mut work = Vec::new();
        for (i, (name, managed)) in listed.into_iter().enumerate() {
            match managed {
                Ok(list) => {
                    self.sessions
                        .retain(&name, list.iter().map(|m| m.info.id.as_str()));
                    work.extend(list.into_iter().map(|m| (i, m)));
                    hosts.push(HostView {
                        name,
                        error: None,
                        containers: Vec::new(),
                    });
                }
                Err(e) => {
                    let err = ServiceError::from_docker(&name, "", e).api();
                    hosts.push(HostView {
                        name,
                        error: Some(err),
                        containers: Vec::new(),
                    });
                }
            }
        }
        let views: Vec<(usize, ContainerView)> = futures::stream::iter(work)
            .map(|(i, m)| async move { (i, self.read(&m).await.0) })
            .buffered(self.config.concurrency)
            .collect()
            .await;
        for (i, v) in views {
            hosts[i].containers.push(v);
        }
        ServicesResponse { hosts }
    }

    /// One managed container's state.
    pub async fn container(&self, host: &str, name: &str) -> Result<ContainerView, ServiceError> {
        let m = self.find(host, name).await?;
        Ok(self.read(&m).await.0)
    }

    /// Carries out `action` on `target` (a group such as `web`, or a service name) and reads
    /// the state back. The error, if any, comes with the state as it is now.
    pub async fn act(
        &self,
        host: &str,
        name: &str,
        target: &str,
        action: Action,
    ) -> Result<ActionResponse, ServiceError> {
        let m = self.find(host, name).await?;
        check_running(&m)?;
        let disc = self.discover(&m).await?;
        let (names, group) = resolve(&m, &disc, target)?;
        let daemon_like = group.as_ref().is_some_and(|g| !g.lock_files.is_empty())
            || m.groups.iter().any(|g| {
                !g.lock_files.is_empty()
                    && names
                        .iter()
                        .any(|(n, _)| g.services.contains(&n.to_string()))
            });
        let wait = if daemon_like && action != Action::Up {
            Duration::from_secs(self.config.daemon_stop_timeout_secs)
        } else {
            Duration::from_secs(self.config.exec_timeout_secs)
        };
        let wait_ms = wait.as_millis() as u64;
        let is_up = |n: &ServiceName| {
            disc.service(n.as_str())
                .and_then(|s| s.status.as_ref().ok())
                .is_some_and(|s| s.up)
        };
        // s6-svc waits on one service dir per call: plain services go in parallel execs, one
        // each; s6-rc takes them all in one transaction.
        let mut batches: Vec<Vec<ServiceName>> = Vec::new();
        let rc_names: Vec<ServiceName> = names
            .iter()
            .filter(|(_, k)| *k == ControlKind::S6Rc)
            .map(|(n, _)| n.clone())
            .collect();
        let svc_batches = names
            .iter()
            .filter(|(_, k)| *k == ControlKind::Svc)
            .map(|(n, _)| vec![n.clone()]);
        batches.extend(svc_batches);
        let runs = batches
            .into_iter()
            .map(|batch| (ControlKind::Svc, batch))
            .chain((!rc_names.is_empty()).then_some((ControlKind::S6Rc, rc_names)));
        let results = join_all(runs.map(|(kind, batch)| {
            let m = &m;
            let disc = &disc;
            async move {
                let all_up = batch.iter().all(is_up);
                for step in steps(
                    &disc.bin_dir,
                    &disc.scan_dir,
                    kind,
                    action,
                    &batch,
                    all_up,
                    wait_ms,
                ) {
                    self.run_step(
                        m,
                        &step.argv,
                        Duration::from_millis(step.wait_ms) + EXEC_MARGIN,
                    )
                    .await?;
                }
                Ok::<(), ServiceError>(())
            }
        }))
        .await;
        let mut error = results.into_iter().find_map(Result::err);
        let (view, read_err) = self.read(&m).await;
        if error.is_none() && action != Action::Down && daemon_like {
            let down = names.iter().any(|(n, _)| {
                view.services
                    .iter()
                    .any(|s| s.name == n.as_str() && !s.status.as_ref().is_some_and(|st| st.up))
            });
            if down && let Some(lock) = &view.stale_lock {
                error = Some(ServiceError::new(
                    409,
                    "stale_lock",
                    format!(
                        "The service did not stay up and {lock} is left behind from an unclean stop. Remove it (with the daemon down) and start again."
                    ),
                ));
            }
        }
        Ok(ActionResponse {
            action,
            target: target.to_string(),
            container: view,
            error: error.or(read_err).map(|e| e.api()),
        })
    }

    async fn run_step(
        &self,
        m: &Managed,
        argv: &[String],
        timeout: Duration,
    ) -> Result<(), ServiceError> {
        let out = self
            .engines
            .exec(
                &m.host,
                &m.info.name,
                ExecSpec {
                    argv,
                    user: m.user.as_deref(),
                    timeout,
                    max_output: MAX_CONTROL_OUTPUT,
                },
            )
            .await
            .map_err(|e| ServiceError::from_docker(&m.host, &m.info.name, e))?;
        let code = out.exit_code.unwrap_or(-1);
        if code == 0 {
            return Ok(());
        }
        let text = format!("{}{}", out.stderr, out.stdout);
        tracing::warn!(host = %m.host, container = %m.info.name, code, output = %text.trim(), "s6 control failed");
        let message = explain_failure(code, &text);
        let code_name = if message.starts_with("permission denied") {
            "permission_denied"
        } else if message.contains("not supervising") {
            "s6_not_running"
        } else if message.contains("in time") {
            "timeout"
        } else {
            "s6_error"
        };
        Err(ServiceError::new(
            409,
            code_name,
            format!("{}: {message}", m.info.name),
        ))
    }

    async fn managed_on(&self, host: &str) -> Result<Vec<Managed>, DockerError> {
        let list = self.engines.list_containers(host).await?;
        let mut out: Vec<Managed> = list
            .into_iter()
            .filter_map(|c| self.manage(host, c))
            .collect();
        out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(out)
    }

    async fn find(&self, host: &str, name: &str) -> Result<Managed, ServiceError> {
        if !self.config.hosts.iter().any(|h| h.name == host) {
            return Err(ServiceError::not_managed(host, name));
        }
        self.managed_on(host)
            .await
            .map_err(|e| ServiceError::from_docker(host, name, e))?
            .into_iter()
            .find(|m| m.info.name == name)
            .ok_or_else(|| ServiceError::not_managed(host, name))
    }

    /// Settings for `c` when it is managed: config entries first, then labels.
    fn manage(&self, host: &str, c: ContainerInfo) -> Option<Managed> {
        let listed = self
            .config
            .containers
            .iter()
            .find(|e| e.host == host && e.container == c.name);
        let labelled = c.labels.get(MANAGED_LABEL).is_some_and(|v| v == "true");
        if listed.is_none() && !labelled {
            return None;
        }
        let label = |k: &str| {
            c.labels
                .get(&format!("{MANAGED_LABEL}.{k}"))
                .map(|s| s.trim().to_string())
        };
        let display_name = listed
            .and_then(|e| e.display_name.clone())
            .or_else(|| label("name"))
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(64).collect())
            .unwrap_or_else(|| c.name.clone());
        let scan_dir = listed
            .and_then(|e| e.scan_dir.clone())
            .or_else(|| label("scandir"))
            .filter(|d| is_safe_dir(d));
        let user = listed
            .and_then(|e| e.user.clone())
            .or_else(|| label("user"))
            .filter(|u| is_simple_name(u));
        let mut groups: Vec<Group> = self
            .config
            .groups
            .iter()
            .map(|g| Group {
                name: g.name.clone(),
                label: g.label.clone(),
                services: g.services.clone(),
                lock_files: g.lock_files.clone(),
            })
            .collect();
        let prefix = format!("{MANAGED_LABEL}.group.");
        for (k, v) in &c.labels {
            let Some(gname) = k.strip_prefix(&prefix).filter(|g| is_simple_name(g)) else {
                continue;
            };
            let services: Vec<String> = v
                .split(',')
                .map(str::trim)
                .filter(|s| ServiceName::new(s).is_ok())
                .map(String::from)
                .collect();
            match groups.iter_mut().find(|g| g.name == gname) {
                Some(g) => g.services = services,
                None => groups.push(Group {
                    name: gname.to_string(),
                    label: gname.to_string(),
                    services,
                    lock_files: Vec::new(),
                }),
            }
        }
        Some(Managed {
            host: host.to_string(),
            info: c,
            display_name,
            scan_dir,
            user,
            groups,
        })
    }

    /// The container's s6 state, read now: the fast report (status files), and the
    /// `s6-svstat` report when the files are in a layout we do not know.
    async fn discover(&self, m: &Managed) -> Result<Discovery, ServiceError> {
        let out = self.report(m, Mode::Fast).await?;
        match parse_report(&out) {
            Err(ScanError::StatusFiles(e)) => {
                tracing::info!(container = %m.info.name, error = %e, "status files unread; asking s6-svstat");
                let out = self.report(m, Mode::Svstat).await?;
                parse_report(&out)
            }
            other => other,
        }
        .map_err(|e| match e {
            ScanError::NoBinaries => ServiceError::new(
                409,
                "s6_missing",
                "No s6 binaries in this container (looked in /command, /usr/bin, /bin). Is it an s6-overlay image?",
            ),
            ScanError::NoScanDir => ServiceError::new(
                409,
                "s6_not_running",
                "s6 is not running in this container: no supervised scan dir at /run/service or /var/run/s6/services. \
                 Set the label workbench.services.scandir if it lives elsewhere.",
            ),
            ScanError::Garbled(detail) => {
                tracing::warn!(container = %m.info.name, detail, "unexpected status output");
                ServiceError::new(502, "s6_error", "The container's s6 status could not be read; see the server log.")
            }
            ScanError::StatusFiles(e) => {
                tracing::warn!(container = %m.info.name, error = %e, "unexpected status output");
                ServiceError::new(502, "s6_error", "The container's s6 status could not be read; see the server log.")
            }
        })
    }

    /// One status report of the script: through the container's status session when it has
    /// one (opened on first use), else (or when the session fails) through a one-shot exec.
    async fn report(&self, m: &Managed, mode: Mode) -> Result<String, ServiceError> {
        let timeout = Duration::from_secs(self.config.exec_timeout_secs);
        let slot = self.sessions.slot(&m.host, &m.info.id);
        let mut session = slot.lock().await;
        if session.is_none() {
            let argv = discovery::session_argv(m.scan_dir.as_deref());
            match self
                .engines
                .open_session(&m.host, &m.info.name, &argv, m.user.as_deref(), timeout)
                .await
            {
                Ok(s) => *session = Some(s),
                Err(e) => {
                    tracing::debug!(container = %m.info.name, error = %e, "no status session")
                }
            }
        }
        if let Some(s) = session.as_mut() {
            let token = self.sessions.token();
            match s
                .request(
                    &discovery::request_line(mode, token),
                    &discovery::end_line(token),
                    timeout,
                    MAX_STATUS_OUTPUT,
                )
                .await
            {
                Ok(out) => return Ok(out),
                Err(e) => {
                    // Stopped, restarted or stuck: a new session next time, one exec now.
                    tracing::debug!(container = %m.info.name, error = %e, "status session ended");
                    *session = None;
                }
            }
        }
        drop(session);
        let argv = discovery::status_argv(m.scan_dir.as_deref(), mode);
        let out = self
            .engines
            .exec(
                &m.host,
                &m.info.name,
                ExecSpec {
                    argv: &argv,
                    user: m.user.as_deref(),
                    timeout,
                    max_output: MAX_STATUS_OUTPUT,
                },
            )
            .await
            .map_err(|e| ServiceError::from_docker(&m.host, &m.info.name, e))?;
        if out.exit_code == Some(126) || out.exit_code == Some(127) {
            return Err(ServiceError::new(
                409,
                "no_shell",
                "The container has no /bin/sh, which the status check needs. Use an image with a shell (s6-overlay images have one).",
            ));
        }
        match discovery::once_report(&out.stdout) {
            Some(report) => Ok(report.to_string()),
            None => {
                tracing::warn!(container = %m.info.name, code = ?out.exit_code, "status report cut short");
                Err(ServiceError::new(
                    502,
                    "s6_error",
                    "The container's s6 status could not be read; see the server log.",
                ))
            }
        }
    }

    /// The container's view; on failure the view carries the error too, and it is returned
    /// separately for callers that report it.
    async fn read(&self, m: &Managed) -> (ContainerView, Option<ServiceError>) {
        let mut view = ContainerView {
            host: m.host.clone(),
            name: m.info.name.clone(),
            display_name: m.display_name.clone(),
            state: m.info.state.as_str().into(),
            status_text: m.info.status_text.clone(),
            health: m.info.health.clone(),
            scan_dir: None,
            groups: Vec::new(),
            services: Vec::new(),
            stale_lock: None,
            error: None,
        };
        let result = match check_running(m) {
            Ok(()) => self.discover(m).await,
            Err(e) => Err(e),
        };
        let disc = match result {
            Ok(d) => d,
            Err(e) => {
                view.error = Some(e.api());
                return (view, Some(e));
            }
        };
        view.scan_dir = Some(disc.scan_dir.clone());
        let mut by_group: BTreeMap<&str, Vec<&discovery::DiscoveredService>> = BTreeMap::new();
        for s in &disc.services {
            let group = m
                .groups
                .iter()
                .find(|g| g.services.iter().any(|n| n == s.name.as_str()));
            if let Some(g) = group {
                by_group.entry(g.name.as_str()).or_default().push(s);
            }
            view.services.push(ServiceView {
                name: s.name.to_string(),
                kind: s.kind,
                group: group.map(|g| g.name.clone()),
                status: s.status.clone().ok(),
                error: s.status.clone().err(),
            });
        }
        let mut lock_candidates = Vec::new();
        for g in &m.groups {
            let Some(members) = by_group.get(g.name.as_str()) else {
                continue;
            };
            let ups: Vec<Option<bool>> = members
                .iter()
                .map(|s| s.status.as_ref().ok().map(|st| st.up))
                .collect();
            let state = if ups.iter().any(Option::is_none) {
                GroupState::Unknown
            } else if ups.iter().all(|u| *u == Some(true)) {
                GroupState::Up
            } else if ups.iter().all(|u| *u == Some(false)) {
                GroupState::Down
            } else {
                GroupState::Mixed
            };
            if state != GroupState::Up {
                lock_candidates.extend(g.lock_files.iter().cloned());
            }
            view.groups.push(GroupView {
                name: g.name.clone(),
                label: g.label.clone(),
                services: members.iter().map(|s| s.name.to_string()).collect(),
                state,
            });
        }
        for path in lock_candidates {
            if let Ok(true) = self.engines.path_exists(&m.host, &m.info.name, &path).await {
                view.stale_lock = Some(path);
                break;
            }
        }
        if let Some(denied) = view
            .services
            .iter()
            .find_map(|s| s.error.as_ref().filter(|e| e.contains("Permission denied")))
        {
            let e = ServiceError::new(
                409,
                "permission_denied",
                format!(
                    "s6 refused the exec user ({denied}). Run execs as root: remove workbench.services.user or set it to root."
                ),
            );
            view.error = Some(e.api());
            return (view, Some(e));
        }
        (view, None)
    }
}

/// Parses a report with the server's clock for the status files' ages (the engine's host
/// shares it when local; a remote host's clock skew shows as seconds of uptime).
fn parse_report(out: &str) -> Result<Discovery, ScanError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Discovery::parse(out, now)
}

fn check_running(m: &Managed) -> Result<(), ServiceError> {
    match m.info.state {
        ContainerState::Running => Ok(()),
        ContainerState::Paused => Err(ServiceError::from_docker(
            &m.host,
            &m.info.name,
            DockerError::Paused,
        )),
        _ => Err(ServiceError::from_docker(
            &m.host,
            &m.info.name,
            DockerError::NotRunning,
        )),
    }
}

/// Services to act on, with how each is supervised.
type Targets = Vec<(ServiceName, ControlKind)>;

/// The services `target` names: a group's members present in the container, or one service
/// (also found without its `svc-` prefix).
fn resolve(
    m: &Managed,
    disc: &Discovery,
    target: &str,
) -> Result<(Targets, Option<Group>), ServiceError> {
    if let Some(g) = m.groups.iter().find(|g| g.name == target) {
        let members: Vec<_> = disc
            .services
            .iter()
            .filter(|s| g.services.iter().any(|n| n == s.name.as_str()))
            .map(|s| (s.name.clone(), s.kind))
            .collect();
        if !members.is_empty() {
            return Ok((members, Some(g.clone())));
        }
    }
    let found = disc
        .service(target)
        .or_else(|| disc.service(&format!("svc-{target}")));
    match found {
        Some(s) => Ok((vec![(s.name.clone(), s.kind)], None)),
        None => {
            let have: Vec<&str> = disc.services.iter().map(|s| s.name.as_str()).collect();
            Err(ServiceError::new(
                404,
                "service_missing",
                format!(
                    "{:?} has no service or group {target:?}. Its services: {}.",
                    m.info.name,
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(", ")
                    }
                ),
            ))
        }
    }
}

fn is_safe_dir(d: &str) -> bool {
    d.starts_with('/')
        && d.len() <= 256
        && !d.split('/').any(|s| s == "..")
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-@".contains(&b))
}
