//! The host monitor: one task per configured host checks it on its interval (with jitter,
//! backing off while it is down) and writes the result to a shared cache. Pages read only
//! the cache, so any number of them costs the hosts nothing more.

use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use app::components::hosts::{
    CheckView, HostDetail, HostState, HostView, HostsSnapshot, HostsSource, LinkView,
};
use futures::future::join_all;
use rand::Rng as _;
use workbench_config::HostConfig;

use super::check::{self, CheckResult};

/// The longest a down host waits between checks (unless its interval is longer still).
const MAX_BACKOFF: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, Default)]
struct Snapshot {
    /// One per check, in config order (TCP ports, then health URLs).
    results: Vec<CheckResult>,
    checked_at: Option<Instant>,
    last_seen: Option<Instant>,
    /// When the next check should have finished by; later than that, the result is stale.
    due_by: Option<Instant>,
    /// Consecutive cycles with no passing check.
    failures: u32,
}

pub struct HostMonitor {
    hosts: Vec<HostConfig>,
    snapshots: RwLock<Vec<Snapshot>>,
    client: reqwest::Client,
    connect_timeout: Duration,
}

impl HostMonitor {
    pub fn new(
        hosts: Vec<HostConfig>,
        client: reqwest::Client,
        connect_timeout: Duration,
    ) -> Arc<Self> {
        let snapshots = RwLock::new(vec![Snapshot::default(); hosts.len()]);
        Arc::new(Self {
            hosts,
            snapshots,
            client,
            connect_timeout,
        })
    }

    /// Starts one checking task per host that has checks. Each stops once the monitor is dropped.
    pub fn spawn(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no async runtime: host checks are not running");
            return;
        };
        for (index, host) in self.hosts.iter().enumerate() {
            if !host.tcp_ports.is_empty() || !host.health_urls.is_empty() {
                runtime.spawn(run(Arc::downgrade(self), index));
            }
        }
    }

    /// Checks every host once, all at the same time, and returns how long that took:
    /// about the slowest single check, however many hosts there are.
    pub async fn refresh_all(&self) -> Duration {
        let started = Instant::now();
        join_all((0..self.hosts.len()).map(|i| self.refresh(i))).await;
        started.elapsed()
    }

    /// Checks one host and stores the result; returns the delay until its next check.
    async fn refresh(&self, index: usize) -> Duration {
        let host = &self.hosts[index];
        let tcp = host
            .tcp_ports
            .iter()
            .map(|port| check::tcp(&host.address, *port, self.connect_timeout));
        let http = host
            .health_urls
            .iter()
            .map(|url| check::http(&self.client, url));
        let (mut results, http_results) = futures::join!(join_all(tcp), join_all(http));
        results.extend(http_results);
        let now = Instant::now();
        let any_ok = results.iter().any(|r| r.ok);
        let mut snapshots = self
            .snapshots
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let snap = &mut snapshots[index];
        snap.failures = if any_ok || results.is_empty() {
            0
        } else {
            snap.failures.saturating_add(1)
        };
        let delay = next_delay(
            Duration::from_secs(host.interval_secs),
            snap.failures,
            jitter(),
        );
        snap.results = results;
        snap.checked_at = Some(now);
        if any_ok {
            snap.last_seen = Some(now);
        }
        snap.due_by = Some(now + delay + self.grace());
        delay
    }

    /// Slack for a check in flight before its result counts as overdue.
    fn grace(&self) -> Duration {
        self.connect_timeout + super::HTTP_TIMEOUT + Duration::from_secs(5)
    }

    fn view(&self, host: &HostConfig, snap: &Snapshot, now: Instant, admin: bool) -> HostView {
        let total = host.tcp_ports.len() + host.health_urls.len();
        let ok = snap.results.iter().filter(|r| r.ok).count();
        let state = match (total, snap.checked_at) {
            (0, _) => HostState::Unchecked,
            (_, None) => HostState::Pending,
            _ if ok == total => HostState::Up,
            _ if ok > 0 => HostState::Degraded,
            _ => HostState::Down,
        };
        let age = |t: Option<Instant>| t.map(|t| now.saturating_duration_since(t).as_secs());
        let detail = admin.then(|| {
            let targets = host
                .tcp_ports
                .iter()
                .map(|p| format!("tcp {p}"))
                .chain(host.health_urls.iter().cloned());
            HostDetail {
                name: host.name.clone(),
                role: host.role.clone(),
                address: host.address.clone(),
                docker: host.docker.clone(),
                checks: targets
                    .enumerate()
                    .map(|(i, target)| {
                        let result = snap.results.get(i);
                        CheckView {
                            target,
                            ok: result.is_some_and(|r| r.ok),
                            latency_ms: result.and_then(|r| r.latency).map(millis),
                            error: result.and_then(|r| r.error).map(str::to_owned),
                        }
                    })
                    .collect(),
                links: host
                    .links
                    .iter()
                    .map(|l| LinkView {
                        name: l.name.clone(),
                        url: l.url.clone(),
                    })
                    .collect(),
            }
        });
        HostView {
            alias: host.alias.clone(),
            state,
            latency_ms: snap
                .results
                .iter()
                .filter_map(|r| r.latency)
                .min()
                .map(millis),
            last_seen_secs: age(snap.last_seen),
            checked_secs: age(snap.checked_at),
            stale: total > 0 && snap.due_by.is_some_and(|due| now > due),
            checks_ok: ok,
            checks_total: total,
            detail,
        }
    }
}

impl HostsSource for HostMonitor {
    fn overview(&self, admin: bool) -> HostsSnapshot {
        let now = Instant::now();
        let snapshots = self
            .snapshots
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        HostsSnapshot {
            admin,
            hosts: self
                .hosts
                .iter()
                .zip(snapshots.iter())
                .map(|(host, snap)| self.view(host, snap, now, admin))
                .collect(),
        }
    }
}

/// The checking loop of one host; ends when the monitor is gone.
async fn run(monitor: Weak<HostMonitor>, index: usize) {
    // Spread the first checks so a restart does not hit every host in the same instant.
    let spread = Duration::from_millis(rand::rng().random_range(0..1000));
    tokio::time::sleep(spread).await;
    loop {
        let Some(strong) = monitor.upgrade() else {
            return;
        };
        let delay = strong.refresh(index).await;
        drop(strong);
        tokio::time::sleep(delay).await;
    }
}

/// A factor in 0.9..1.1, so hosts with the same interval drift apart.
fn jitter() -> f64 {
    rand::rng().random_range(0.9..1.1)
}

/// The interval while up; doubling per failed cycle while down, up to [`MAX_BACKOFF`]
/// (or the interval, if that is longer); then scaled by `jitter`.
pub fn next_delay(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let cap = interval.max(MAX_BACKOFF);
    let base = if failures <= 1 {
        interval
    } else {
        interval
            .saturating_mul(1u32 << (failures - 1).min(16))
            .min(cap)
    };
    base.mul_f64(jitter)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, alias: &str, ports: Vec<u16>) -> HostConfig {
        HostConfig {
            name: name.into(),
            alias: alias.into(),
            role: "NAS".into(),
            address: "127.0.0.1".into(),
            docker: Some("tcp://127.0.0.1:2376".into()),
            tcp_ports: ports,
            health_urls: vec![],
            interval_secs: 30,
            links: vec![],
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_jitter_scales() {
        let i = Duration::from_secs(30);
        assert_eq!(next_delay(i, 0, 1.0), i);
        assert_eq!(next_delay(i, 1, 1.0), i);
        assert_eq!(next_delay(i, 2, 1.0), Duration::from_secs(60));
        assert_eq!(next_delay(i, 4, 1.0), Duration::from_secs(240));
        assert_eq!(next_delay(i, 5, 1.0), MAX_BACKOFF);
        assert_eq!(next_delay(i, u32::MAX, 1.0), MAX_BACKOFF);
        let day = Duration::from_secs(86_400);
        assert_eq!(
            next_delay(day, 9, 1.0),
            day,
            "a long interval is its own cap"
        );
        assert_eq!(next_delay(i, 0, 1.1), Duration::from_secs(33));
    }

    #[tokio::test]
    async fn up_down_and_views() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let open = listener.local_addr().expect("addr").port();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let monitor = HostMonitor::new(
            vec![
                host("nas.lan", "Storage", vec![open]),
                host("gpu.lan", "Compute", vec![closed]),
                host("half.lan", "Half", vec![open, closed]),
                host("quiet.lan", "Quiet", vec![]),
            ],
            crate::homelab::http_client().expect("client"),
            Duration::from_secs(2),
        );
        let before = monitor.overview(false);
        assert_eq!(before.hosts[0].state, HostState::Pending);
        monitor.refresh_all().await;
        let admin = monitor.overview(true);
        let states: Vec<_> = admin.hosts.iter().map(|h| h.state).collect();
        assert_eq!(
            states,
            [
                HostState::Up,
                HostState::Down,
                HostState::Degraded,
                HostState::Unchecked
            ]
        );
        assert!(admin.hosts[0].latency_ms.is_some());
        assert_eq!(admin.hosts[0].last_seen_secs, Some(0));
        assert_eq!(admin.hosts[1].last_seen_secs, None);
        assert!(!admin.hosts[0].stale);
        let detail = admin.hosts[1].detail.as_ref().expect("admin detail");
        assert_eq!(detail.name, "gpu.lan");
        assert_eq!(
            detail.checks[0].error.as_deref(),
            Some("connection refused")
        );

        let public = monitor.overview(false);
        assert!(public.hosts.iter().all(|h| h.detail.is_none()));
        let json = serde_json::to_string(&public).expect("json");
        for secret in [
            "nas.lan",
            "gpu.lan",
            "127.0.0.1",
            "2376",
            "NAS",
            &open.to_string(),
        ] {
            assert!(!json.contains(secret), "{secret} leaked: {json}");
        }
    }

    #[test]
    fn stale_once_overdue() {
        let monitor = HostMonitor::new(
            vec![host("a", "A", vec![1])],
            crate::homelab::http_client().expect("client"),
            Duration::from_secs(1),
        );
        let now = Instant::now();
        let snap = Snapshot {
            results: vec![CheckResult {
                ok: true,
                latency: Some(Duration::from_millis(3)),
                error: None,
            }],
            checked_at: Some(now),
            last_seen: Some(now),
            due_by: Some(now + Duration::from_secs(10)),
            failures: 0,
        };
        let fresh = monitor.view(&monitor.hosts[0], &snap, now, false);
        assert!(!fresh.stale);
        let late = monitor.view(
            &monitor.hosts[0],
            &snap,
            now + Duration::from_secs(11),
            false,
        );
        assert!(late.stale);
        assert_eq!(late.last_seen_secs, Some(11));
    }
}
