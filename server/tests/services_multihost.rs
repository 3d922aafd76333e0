//! Two Docker engines at once: the machine's own and a second dockerd (tools/fixture-image.sh
//! dockerd2) with its own fixture container, both served by one Workbench.

mod support;

use std::process::Command;

use http::StatusCode;
use support::TestApp;
use workbench_config::{DockerConfig, DockerHost};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn second_socket() -> String {
    std::env::var("WORKBENCH_DOCKER2_SOCK").unwrap_or_else(|_| "/run/workbench-docker2.sock".into())
}

/// Starts the second engine (when tools/test.sh has not) and its fixture container.
fn ensure_second_engine() {
    let script = format!("{ROOT}/tools/fixture-image.sh");
    let sock = second_socket();
    let ok = Command::new(&script)
        .args(["dockerd2", "start"])
        .status()
        .expect("run fixture-image.sh");
    assert!(ok.success(), "could not start the second dockerd");
    let running = Command::new("docker")
        .args([
            "-H",
            &format!("unix://{sock}"),
            "inspect",
            "-f",
            "{{.State.Running}}",
            "wbfx-caboose",
        ])
        .output()
        .expect("docker CLI");
    if String::from_utf8_lossy(&running.stdout).trim() != "true" {
        let ok = Command::new(&script)
            .args(["up", &sock])
            .status()
            .expect("run fixture-image.sh up");
        assert!(ok.success(), "fixture on the second engine failed");
    }
    let local = Command::new("docker")
        .args(["inspect", "wbfx-argonaut"])
        .output()
        .expect("docker CLI");
    if !local.status.success() {
        assert!(
            Command::new(&script)
                .arg("up")
                .status()
                .expect("fixture")
                .success()
        );
    }
}

fn two_hosts() -> DockerConfig {
    DockerConfig {
        hosts: vec![
            DockerHost {
                name: "local".into(),
                endpoint: "unix:///var/run/docker.sock".into(),
                tls_ca: None,
                tls_cert: None,
                tls_key: None,
            },
            DockerHost {
                name: "second".into(),
                endpoint: format!("unix://{}", second_socket()),
                tls_ca: None,
                tls_cert: None,
                tls_key: None,
            },
            DockerHost {
                name: "gone".into(),
                endpoint: "unix:///run/workbench-no-such-engine.sock".into(),
                tls_ca: None,
                tls_cert: None,
                tls_key: None,
            },
        ],
        ..DockerConfig::default()
    }
}

#[tokio::test]
async fn both_engines_are_listed_and_controlled() {
    ensure_second_engine();
    let app = TestApp::with_docker(two_hosts());
    let res = app.get("/api/admin/services").send().await;
    res.assert_status(StatusCode::OK);
    let body = res.json();
    let hosts = body["hosts"].as_array().expect("hosts");
    assert_eq!(hosts.len(), 3);
    let second = hosts
        .iter()
        .find(|h| h["name"] == "second")
        .expect("second");
    let names: Vec<&str> = second["containers"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["wbfx-caboose"],
        "only the second engine's containers: {body}"
    );
    let local = hosts.iter().find(|h| h["name"] == "local").expect("local");
    assert!(
        local["containers"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["name"] == "wbfx-argonaut")
    );
    // A host that does not answer is marked, and does not hide the others.
    let gone = hosts.iter().find(|h| h["name"] == "gone").expect("gone");
    assert_eq!(gone["error"]["code"], "host_unreachable", "{gone}");

    let res = app
        .post("/api/admin/services/second/wbfx-caboose/daemon/down")
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let group = |v: &serde_json::Value| {
        v["container"]["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["name"] == "daemon")
            .expect("daemon")["state"]
            .clone()
    };
    assert_eq!(group(&res.json()), "down");
    let res = app
        .post("/api/admin/services/second/wbfx-caboose/daemon/up")
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(group(&res.json()), "up");
    // The same container name on the wrong host is not found.
    let res = app
        .post("/api/admin/services/local/wbfx-caboose/daemon/down")
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
}
