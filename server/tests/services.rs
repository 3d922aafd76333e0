//! The service panel against a real Docker engine and the fixture containers from
//! tools/fixture-image.sh (s6-overlay v3 and v2 layouts): toggle, crash restart, stopped and
//! paused containers, missing services, foreign containers, and auth.

mod support;

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::Value;
use support::TestApp;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker CLI");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The fixture image's tag, creating the fixture containers when they are missing.
fn fixture() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let script = format!("{ROOT}/tools/fixture-image.sh");
        if docker(&[
            "inspect",
            "-f",
            "{{.State.Running}}",
            "wbfx-argonaut",
            "wbfx-bogie",
            "wbfx-foreign",
        ]) != "true\ntrue\ntrue"
        {
            let ok = Command::new(&script)
                .arg("up")
                .status()
                .expect("run fixture-image.sh up");
            assert!(ok.success(), "tools/fixture-image.sh up failed");
        }
        let out = Command::new(&script)
            .arg("image")
            .output()
            .expect("run fixture-image.sh image");
        assert!(out.status.success(), "tools/fixture-image.sh image failed");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

/// A throwaway managed container of the fixture image, removed when dropped.
struct Scratch(String);

impl Scratch {
    fn new(name: &str, extra: &[&str]) -> Self {
        let image = fixture();
        docker(&["rm", "-f", name]);
        let mut args = vec![
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "none",
            "--label",
            "workbench.services=true",
        ];
        args.extend_from_slice(extra);
        args.push(image);
        assert!(!docker(&args).is_empty(), "docker run {name}");
        let s = Scratch(name.to_string());
        s.wait_for("/run/service/svc-rtorrent");
        s
    }
    fn wait_for(&self, dir: &str) {
        for _ in 0..50 {
            if docker(&["exec", &self.0, "s6-svstat", "-u", dir]) == "true" {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("{}: {dir} did not come up", self.0);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        docker(&["rm", "-f", &self.0]);
    }
}

fn group<'a>(c: &'a Value, name: &str) -> &'a str {
    c["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == name)
        .and_then(|g| g["state"].as_str())
        .unwrap_or("absent")
}

fn service<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == name)
        .expect("service")
}

async fn act(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = app.post(path).send().await;
    (res.status, res.json())
}

#[tokio::test]
async fn lists_managed_containers_only() {
    fixture();
    let app = TestApp::local();
    let res = app.get("/api/admin/services").send().await;
    res.assert_status(StatusCode::OK);
    let body = res.json();
    let local = &body["hosts"][0];
    assert_eq!(local["name"], "local");
    let names: Vec<&str> = local["containers"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"wbfx-argonaut") && names.contains(&"wbfx-bogie"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"wbfx-foreign"),
        "unlabelled containers are invisible"
    );
    let argonaut = local["containers"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["name"] == "wbfx-argonaut")
        .expect("argonaut");
    assert_eq!(argonaut["display_name"], "Argonaut");
    assert_eq!(argonaut["scan_dir"], "/run/service");
    let bogie = local["containers"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["name"] == "wbfx-bogie")
        .expect("bogie");
    assert_eq!(bogie["scan_dir"], "/var/run/s6/services", "v2 layout found");
    assert_eq!(service(bogie, "rtorrent")["group"], "daemon");
    // Other tests toggle these containers at the same time: only the shape is stable here.
    assert!(service(argonaut, "svc-nginx")["status"]["up"].is_boolean());
}

#[tokio::test]
async fn toggles_each_group_and_reads_state_back_v3() {
    fixture();
    let app = TestApp::local();
    for group_name in ["web", "daemon"] {
        let (status, body) = act(
            &app,
            &format!("/api/admin/services/local/wbfx-argonaut/{group_name}/down"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(group(&body["container"], group_name), "down", "{body}");
        assert!(
            body["container"]["stale_lock"].is_null(),
            "a graceful stop leaves no lock: {body}"
        );
        let (status, body) = act(
            &app,
            &format!("/api/admin/services/local/wbfx-argonaut/{group_name}/up"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(group(&body["container"], group_name), "up", "{body}");
    }
    // A single service by its short name, and restart gives a new pid.
    let before = app
        .get("/api/admin/services/local/wbfx-argonaut")
        .send()
        .await
        .json();
    let pid = service(&before, "svc-nginx")["status"]["pid"].as_u64();
    let (status, body) = act(
        &app,
        "/api/admin/services/local/wbfx-argonaut/nginx/restart",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = service(&body["container"], "svc-nginx")["status"]["pid"].as_u64();
    assert!(after.is_some() && after != pid, "{pid:?} -> {after:?}");
    // Every action was audited with who did it.
    let log = app
        .get("/api/admin/services/audit?limit=500")
        .send()
        .await
        .json();
    let mine: Vec<&Value> = log
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["container"] == "wbfx-argonaut")
        .collect();
    assert!(mine.len() >= 5, "{log}");
    assert!(mine.iter().all(|r| r["who"] == "local"));
}

#[tokio::test]
async fn toggles_v2_layout() {
    fixture();
    let app = TestApp::local();
    let (status, body) = act(&app, "/api/admin/services/local/wbfx-bogie/web/down").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(group(&body["container"], "web"), "down");
    let nginx = service(&body["container"], "nginx");
    assert_eq!(nginx["status"]["up"], false);
    assert_eq!(nginx["status"]["wanted_up"], false);
    let (status, body) = act(&app, "/api/admin/services/local/wbfx-bogie/web/up").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(group(&body["container"], "web"), "up");
}

#[tokio::test]
async fn s6_restarts_a_killed_rtorrent() {
    let c = Scratch::new("wbfx-t-kill", &[]);
    let app = TestApp::local();
    let path = format!("/api/admin/services/local/{}", c.0);
    let before = app.get(&path).send().await.json();
    let pid = service(&before, "svc-rtorrent")["status"]["pid"]
        .as_u64()
        .expect("pid");
    docker(&["exec", &c.0, "kill", "-9", &pid.to_string()]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = app.get(&path).send().await.json();
        let st = &service(&now, "svc-rtorrent")["status"];
        if st["up"] == true && st["pid"].as_u64() != Some(pid) {
            break;
        }
        assert!(Instant::now() < deadline, "rtorrent not restarted: {now}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn stopped_and_paused_containers_say_what_to_do() {
    let stopped = Scratch::new("wbfx-t-stopped", &[]);
    let paused = Scratch::new("wbfx-t-paused", &[]);
    docker(&["stop", "-t", "2", &stopped.0]);
    docker(&["pause", &paused.0]);
    let app = TestApp::local();
    let (status, body) = act(&app, "/api/admin/services/local/wbfx-t-stopped/daemon/down").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "container_stopped");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("docker start")
    );
    let (status, body) = act(&app, "/api/admin/services/local/wbfx-t-paused/web/up").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "container_paused");
    let view = app
        .get("/api/admin/services/local/wbfx-t-paused")
        .send()
        .await
        .json();
    assert_eq!(view["state"], "paused");
    assert_eq!(view["error"]["code"], "container_paused");
    docker(&["unpause", &paused.0]);
}

#[tokio::test]
async fn permission_denied_and_stale_lock_are_reported() {
    let c = Scratch::new("wbfx-t-lock", &["--label", "workbench.services.user=abc"]);
    let app = TestApp::local();
    let view = app
        .get("/api/admin/services/local/wbfx-t-lock")
        .send()
        .await
        .json();
    assert_eq!(view["error"]["code"], "permission_denied", "{view}");
    // As root (no user label), stop the daemon, then leave a lock as a crash would.
    drop(c);
    let c = Scratch::new("wbfx-t-lock2", &[]);
    let (status, body) = act(&app, "/api/admin/services/local/wbfx-t-lock2/daemon/down").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["container"]["stale_lock"].is_null());
    docker(&[
        "exec",
        "-u",
        "abc",
        &c.0,
        "sh",
        "-c",
        "echo otherhost:+4242 > /data/session/rtorrent.lock",
    ]);
    let view = app
        .get("/api/admin/services/local/wbfx-t-lock2")
        .send()
        .await
        .json();
    assert_eq!(view["stale_lock"], "/data/session/rtorrent.lock", "{view}");
}

#[tokio::test]
async fn missing_service_foreign_container_and_bad_input() {
    fixture();
    let app = TestApp::local();
    let (status, body) = act(&app, "/api/admin/services/local/wbfx-argonaut/nope/up").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "service_missing");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("svc-nginx"),
        "lists what exists"
    );
    for path in [
        "/api/admin/services/local/wbfx-foreign/web/down",
        "/api/admin/services/local/no-such-container/web/down",
        "/api/admin/services/elsewhere/wbfx-argonaut/web/down",
    ] {
        let (status, body) = act(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_managed");
    }
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.Running}}", "wbfx-foreign"]),
        "true"
    );
    for path in [
        "/api/admin/services/local/wbfx-argonaut/web/exit",
        "/api/admin/services/local/wbfx-argonaut/-x/down",
        "/api/admin/services/local/wbfx-argonaut/a;b/down",
        "/api/admin/services/local/wbfx-argonaut/.s6-svscan/down",
    ] {
        let (status, body) = act(&app, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    let long = format!(
        "/api/admin/services/local/wbfx-argonaut/{}/up",
        "a".repeat(5000)
    );
    let (status, _) = act(&app, &long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unauthenticated_callers_are_refused() {
    let app = TestApp::access("http://127.0.0.1:9/certs", &["admin@example.com"]);
    for (method, path) in [
        ("GET", "/api/admin/services"),
        ("POST", "/api/admin/services/local/wbfx-argonaut/web/down"),
        ("GET", "/api/admin/services/audit.csv"),
    ] {
        let req = if method == "GET" {
            app.get(path)
        } else {
            app.post(path)
        };
        let res = req.send().await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

#[tokio::test]
async fn audit_exports() {
    let app = TestApp::local();
    let _ = act(&app, "/api/admin/services/local/no-such/web/up").await;
    let res = app.get("/api/admin/services/audit.csv").send().await;
    res.assert_status(StatusCode::OK);
    assert!(res.content_type().starts_with("text/csv"));
    let res = app.get("/api/admin/services/audit.json").send().await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()[0]["result"], "not_managed");
}

/// The status files read by the fast report and `s6-svstat -o` agree, on both layouts, through
/// a one-shot exec and through a status session; with services down, paused and up.
#[tokio::test]
async fn status_files_and_s6_svstat_agree() {
    use workbench_s6::discovery::{self, Discovery, Mode};
    let scratch = Scratch::new("wbfx-t-files", &[]);
    docker(&[
        "exec",
        &scratch.0,
        "s6-svc",
        "-wD",
        "-d",
        "/run/service/svc-nginx",
    ]);
    docker(&[
        "exec",
        &scratch.0,
        "s6-svc",
        "-p",
        "/run/service/svc-php-fpm",
    ]);
    fixture();
    let engines = workbench_docker::Engines::new(&workbench_config::DockerConfig::default().hosts);
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
    };
    let once = |container: &'static str, mode: Mode| {
        let engines = engines.clone();
        async move {
            let argv = discovery::status_argv(None, mode);
            let out = engines
                .exec(
                    "local",
                    container,
                    workbench_docker::ExecSpec {
                        argv: &argv,
                        user: None,
                        timeout: Duration::from_secs(10),
                        max_output: discovery::MAX_OUTPUT,
                    },
                )
                .await
                .expect("exec");
            let report = discovery::once_report(&out.stdout).expect("whole report");
            if mode == Mode::Fast {
                assert!(
                    report.contains("\nhex\n"),
                    "fast report reads files: {report}"
                );
            } else {
                assert!(!report.contains("svf\t"), "{report}");
            }
            Discovery::parse(report, now()).expect("parse")
        }
    };
    // Ages are whole seconds read at two moments: compare everything else.
    let same = |a: &Discovery, b: &Discovery| {
        assert_eq!(a.scan_dir, b.scan_dir);
        assert_eq!(a.services.len(), b.services.len());
        for (x, y) in a.services.iter().zip(&b.services) {
            let (mut sx, mut sy) = (x.status.clone().expect("x"), y.status.clone().expect("y"));
            assert!(
                sx.since_secs
                    .unwrap_or(0)
                    .abs_diff(sy.since_secs.unwrap_or(0))
                    <= 1
            );
            (sx.since_secs, sy.since_secs, sx.ready_secs, sy.ready_secs) = (None, None, None, None);
            assert_eq!((&x.name, x.kind, sx), (&y.name, y.kind, sy));
        }
    };
    for container in ["wbfx-t-files", "wbfx-bogie"] {
        let fast = once(container, Mode::Fast).await;
        let svstat = once(container, Mode::Svstat).await;
        assert_eq!(fast.services.len(), 3, "{fast:?}");
        same(&fast, &svstat);

        let mut session = engines
            .open_session(
                "local",
                container,
                &discovery::session_argv(None),
                None,
                Duration::from_secs(10),
            )
            .await
            .expect("session");
        for (token, mode) in [(1, Mode::Fast), (2, Mode::Svstat), (3, Mode::Fast)] {
            let out = session
                .request(
                    &discovery::request_line(mode, token),
                    &discovery::end_line(token),
                    Duration::from_secs(10),
                    discovery::MAX_OUTPUT,
                )
                .await
                .expect("session report");
            same(&Discovery::parse(&out, now()).expect("parse"), &svstat);
        }
    }
    let fast = once("wbfx-t-files", Mode::Fast).await;
    let nginx = fast
        .service("svc-nginx")
        .expect("nginx")
        .status
        .clone()
        .expect("status");
    assert!(!nginx.up && !nginx.wanted_up && nginx.exit_code.is_some());
    let php = fast
        .service("svc-php-fpm")
        .expect("php")
        .status
        .clone()
        .expect("status");
    assert!(php.up && php.paused);
    docker(&[
        "exec",
        &scratch.0,
        "s6-svc",
        "-c",
        "/run/service/svc-php-fpm",
    ]);
}

/// The status session of a container ends with its process (restart); the next read falls
/// back to one exec and opens a new session, and the state is read afresh each time.
#[tokio::test]
async fn status_session_survives_a_restart() {
    let scratch = Scratch::new("wbfx-t-session", &[]);
    let app = TestApp::local();
    let path = "/api/admin/services/local/wbfx-t-session";
    let before = app.get(path).send().await.json();
    assert_eq!(group(&before, "daemon"), "up", "{before}");
    docker(&[
        "exec",
        &scratch.0,
        "s6-svc",
        "-wD",
        "-d",
        "/run/service/svc-rtorrent",
    ]);
    let down = app.get(path).send().await.json();
    assert_eq!(
        group(&down, "daemon"),
        "down",
        "read at request time: {down}"
    );
    docker(&["restart", "-t", "2", &scratch.0]);
    scratch.wait_for("/run/service/svc-rtorrent");
    for _ in 0..2 {
        let after = app.get(path).send().await.json();
        assert!(after["error"].is_null(), "{after}");
        assert_eq!(group(&after, "daemon"), "up", "{after}");
    }
}
