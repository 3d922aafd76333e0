//! The real `workbench` binary: its command line, start-up errors (exit status 2 with a
//! message naming what to fix), and a clean exit on SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A scratch working directory, so no `workbench.toml` lying around is picked up.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("create a working directory"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `workbench` in the sandbox, with no configuration from the test's own environment.
    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_workbench"));
        cmd.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("WORKBENCH_") {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write the config file");
        path.to_string_lossy().into_owned()
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run workbench");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `cmd` (which must fail to start) and returns its error message.
#[track_caller]
fn start_up_error(cmd: Command) -> String {
    let run = run(cmd);
    assert_eq!(
        run.code,
        Some(2),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.stderr
}

#[test]
fn help_lists_serve_and_config() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command();
    cmd.arg("--help");
    let run = run(cmd);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("serve"), "{}", run.stdout);
    assert!(run.stdout.contains("--config"), "{}", run.stdout);
    assert!(run.stdout.contains("WORKBENCH_"), "{}", run.stdout);
}

#[test]
fn version_prints_the_package_version() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command();
    cmd.arg("--version");
    let run = run(cmd);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        concat!("workbench ", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn missing_config_file_exits_2_naming_it() {
    let sandbox = Sandbox::new();
    for args in [
        &["--config", "/nonexistent.toml"][..],
        &["serve", "--config", "/nonexistent.toml"],
    ] {
        let mut cmd = sandbox.command();
        cmd.args(args);
        let message = start_up_error(cmd);
        assert!(message.contains("/nonexistent.toml"), "{message}");
        assert!(message.contains("does not exist"), "{message}");
    }
    // The same through the environment.
    let mut cmd = sandbox.command();
    cmd.env("WORKBENCH_CONFIG", "/nonexistent.toml");
    assert!(start_up_error(cmd).contains("/nonexistent.toml"));
}

#[test]
fn non_loopback_address_without_sign_in_exits_2() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command();
    cmd.env("WORKBENCH_SERVER__ADDR", "0.0.0.0:3000");
    let message = start_up_error(cmd);
    assert!(message.contains("server.addr"), "{message}");
    assert!(message.contains("cloudflare-access"), "{message}");
}

#[test]
fn unknown_auth_mode_exits_2_naming_the_key() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command();
    cmd.env("WORKBENCH_AUTH__MODE", "bogus");
    let message = start_up_error(cmd);
    assert!(message.contains("auth.mode"), "{message}");
    assert!(message.contains("bogus"), "{message}");
}

#[test]
fn mistyped_config_key_exits_2_naming_it() {
    let sandbox = Sandbox::new();
    for (contents, typo) in [
        ("[server]\nadress = \"127.0.0.1:3000\"\n", "adress"),
        ("[sever]\naddr = \"127.0.0.1:3000\"\n", "sever"),
        (
            "[auth]\nmode = \"local\"\nadmin = [\"you@example.com\"]\n",
            "admin",
        ),
    ] {
        let path = sandbox.write("typo.toml", contents);
        let mut cmd = sandbox.command();
        cmd.args(["--config", &path]);
        let message = start_up_error(cmd);
        assert!(message.contains(&format!("`{typo}`")), "{typo}: {message}");
    }
    // workbench.toml in the working directory is read without --config.
    sandbox.write("workbench.toml", "[log]\nfliter = \"debug\"\n");
    let message = start_up_error(sandbox.command());
    assert!(message.contains("`fliter`"), "{message}");
}

#[test]
fn unknown_flag_exits_2() {
    let sandbox = Sandbox::new();
    for arg in ["--frobnicate", "frobnicate", "-x"] {
        let mut cmd = sandbox.command();
        cmd.arg(arg);
        let message = start_up_error(cmd);
        assert!(message.contains(arg), "{arg}: {message}");
    }
}

#[test]
fn hostile_arguments_get_a_clean_error() {
    let sandbox = Sandbox::new();
    // Linux caps one argument at 128 KiB with its NUL (MAX_ARG_STRLEN): 1 MiB goes in as
    // eight arguments just under that.
    let chunk = "A".repeat(128 * 1024 - 16);
    let mut cmd = sandbox.command();
    cmd.args(std::iter::repeat_n(chunk.as_str(), 8));
    start_up_error(cmd);

    let mut cmd = sandbox.command();
    cmd.args(["--config", &chunk]);
    assert!(start_up_error(cmd).contains("does not exist"));

    let mut cmd = sandbox.command();
    cmd.arg(format!("--{chunk}"));
    start_up_error(cmd);

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let mut cmd = sandbox.command();
        cmd.arg(std::ffi::OsStr::from_bytes(b"\xff\xfe-not-utf8"));
        start_up_error(cmd);
    }
}

/// Kills the server if the test fails before it exits on its own.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set a read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    response
}

#[test]
#[cfg(unix)]
fn sigterm_stops_the_server_with_exit_status_0() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command();
    cmd.env("WORKBENCH_SERVER__ADDR", "127.0.0.1:0")
        .env("WORKBENCH_SERVER__SITE_ROOT", sandbox.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = Server(cmd.spawn().expect("start workbench"));

    // Port 0: the log line says which port the kernel chose.
    let stdout = server.0.stdout.take().expect("stdout");
    let (lines, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let line = log
            .recv_timeout(remaining)
            .expect("the server logs where it listens");
        if let Some((_, rest)) = line.split_once("listening on http://") {
            break rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect::<String>();
        }
    };

    let response = http_get(&addr, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""status":"ok""#), "{response}");

    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -TERM {pid}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("poll the server") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[test]
fn brain_commands_refuse_bad_input_before_doing_anything() {
    let sandbox = Sandbox::new();
    let long = "q".repeat(9 * 1024);
    let cases: [(&[&str], &str); 6] = [
        (&["brain", "ask", ""], "the question is empty"),
        (&["brain", "ask", "   "], "the question is empty"),
        (&["brain", "ask", &long], "longer than 8 KB"),
        (
            &["brain", "ask", "hi", "--model", "a b; rm -rf /"],
            "not a model name",
        ),
        (&["brain", "ask"], "QUESTION"),
        (&["brain", "index", "--bogus"], "--bogus"),
    ];
    for (args, says) in cases {
        let mut cmd = sandbox.command();
        cmd.args(args);
        let message = start_up_error(cmd);
        assert!(message.contains(says), "{args:?}: {message}");
    }
    // Nothing was created: the checks come before the store is opened.
    assert!(!sandbox.path().join("data").exists());
}

#[test]
fn brain_index_and_ask_work_without_a_model_server() {
    let sandbox = Sandbox::new();
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/resources");
    let with_env = |mut cmd: Command| {
        cmd.env("WORKBENCH_CONTENT__DIR", &content)
            .env("WORKBENCH_CONTENT__WATCH", "false");
        cmd
    };
    let mut cmd = sandbox.command();
    cmd.args(["brain", "index"]);
    let index = run(with_env(cmd));
    assert_eq!(index.code, Some(0), "{}\n{}", index.stdout, index.stderr);
    assert!(index.stdout.contains("indexed:"), "{}", index.stdout);
    assert!(
        index.stderr.contains("brain.ollama_url"),
        "{}",
        index.stderr
    );

    let mut cmd = sandbox.command();
    cmd.args(["brain", "ask", "how do I see the logs of a kubernetes pod?"]);
    let ask = run(with_env(cmd));
    assert_eq!(ask.code, Some(0), "{}\n{}", ask.stdout, ask.stderr);
    assert!(
        ask.stderr.contains("No model server is connected"),
        "{}",
        ask.stderr
    );
    assert!(ask.stdout.contains("Sources:"), "{}", ask.stdout);
    assert!(ask.stdout.contains("/resources/"), "{}", ask.stdout);
}
