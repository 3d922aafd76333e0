//! The `docker-exec` backend against the real Docker engine of the test set-up
//! (tools/dockerd.sh). No registry is reachable, so the image is made here from this
//! machine's own `sh`, `stty`, `cat` and `sleep` with `docker import`.

use workbench_terminal::testing as harness;

use std::path::Path;
use std::process::{Command, Stdio};

use harness::{TestServer, config, profile};
use workbench_config::{TerminalBackend, TerminalProfile};

const SECS: u64 = 20;
const IMAGE: &str = "workbench-test/terminal-shell:1";

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker CLI (tools/setup-test.sh installs it)")
}

fn engine_answers() -> bool {
    docker(&["version", "--format", "{{.Server.Version}}"])
        .status
        .success()
}

/// A scratch image holding host binaries and the libraries they load.
fn ensure_image() {
    if docker(&["image", "inspect", IMAGE]).status.success() {
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    for bin in ["/bin/sh", "/bin/stty", "/bin/cat", "/bin/sleep"] {
        let real = std::fs::canonicalize(bin).expect("host binary");
        let mut files = vec![real.clone()];
        let ldd = Command::new("ldd").arg(&real).output().expect("ldd");
        for line in String::from_utf8_lossy(&ldd.stdout).lines() {
            if let Some(path) = line.split_whitespace().find(|w| w.starts_with('/')) {
                files.push(std::fs::canonicalize(path).unwrap_or_else(|_| path.into()));
                files.push(path.into());
            }
        }
        for f in files {
            let dest = root.path().join(f.strip_prefix("/").expect("absolute"));
            std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&f, &dest).expect("copy into the image");
        }
        let dest = root
            .path()
            .join(Path::new(bin).strip_prefix("/").expect("absolute"));
        if !dest.exists() {
            std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&real, &dest).expect("copy binary");
        }
    }
    std::fs::create_dir_all(root.path().join("tmp")).expect("tmp");
    let mut tar = Command::new("tar")
        .args(["-C", &root.path().to_string_lossy(), "-cf", "-", "."])
        .stdout(Stdio::piped())
        .spawn()
        .expect("tar");
    let status = Command::new("docker")
        .args(["import", "-", IMAGE])
        .stdin(tar.stdout.take().expect("tar output"))
        .stdout(Stdio::null())
        .status()
        .expect("docker import");
    assert!(tar.wait().expect("tar").success(), "tar failed");
    assert!(status.success(), "docker import failed");
}

struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

fn exec_profile(name: &str, container: &str, command: &[&str]) -> TerminalProfile {
    let mut p = profile(name, command);
    p.backend = TerminalBackend::DockerExec;
    p.container = Some(container.into());
    p
}

#[tokio::test]
async fn a_shell_inside_a_running_container() {
    if !engine_answers() {
        if std::env::var_os("WORKBENCH_SKIP_DOCKER_TESTS").is_some() {
            return;
        }
        panic!(
            "no Docker engine answers: run tools/dockerd.sh start (or set WORKBENCH_SKIP_DOCKER_TESTS=1)"
        );
    }
    ensure_image();
    let name = format!("wbterm-test-{}", std::process::id());
    let _ = docker(&["rm", "-f", &name]);
    let run = docker(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        &name,
        IMAGE,
        "/bin/sleep",
        "600",
    ]);
    assert!(
        run.status.success(),
        "docker run: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let _container = Container(name.clone());

    let server = TestServer::start(config(vec![
        exec_profile("box", &name, &["/bin/sh"]),
        exec_profile("nobox", "no-such-container-xyz", &["/bin/sh"]),
    ]))
    .await;
    let mut c = server.open("box", "", (90, 30)).await;
    c.input("echo hi-$((6*7)); stty size\r").await;
    c.expect_output("hi-42", SECS).await;
    c.expect_output("30 90", SECS).await;
    assert!(
        c.title.as_deref().is_some_and(|t| t.contains(&name)),
        "{:?}",
        c.title
    );
    c.resize(120, 40).await;
    c.input("stty size\r").await;
    c.expect_output("40 120", SECS).await;
    c.input("exit 3\r").await;
    assert_eq!(
        c.until_closed(SECS).await,
        Some((1011, "exit status 3".into()))
    );

    let mut c = server.open("box", "", (80, 24)).await;
    c.input("echo bye; exit\r").await;
    assert_eq!(c.until_closed(SECS).await.map(|c| c.0), Some(1000));

    let mut c = server.open("nobox", "", (80, 24)).await;
    let close = c.until_closed(SECS).await;
    assert!(c.text().contains("no container named"), "{}", c.text());
    assert_eq!(close.map(|c| c.0), Some(1011));
}
