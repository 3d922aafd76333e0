//! One check of one target: a TCP connect or an HTTP GET, each with its own timeout.
//! Failures are described in a few words, never with the error's text (which can carry
//! addresses and URLs into logs or pages).

use std::time::{Duration, Instant};

use tokio::net::TcpStream;

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub ok: bool,
    pub latency: Option<Duration>,
    pub error: Option<&'static str>,
}

impl CheckResult {
    fn pass(latency: Duration) -> Self {
        Self {
            ok: true,
            latency: Some(latency),
            error: None,
        }
    }

    fn fail(error: &'static str) -> Self {
        Self {
            ok: false,
            latency: None,
            error: Some(error),
        }
    }
}

/// Connects to `address:port` and hangs up.
pub async fn tcp(address: &str, port: u16, timeout: Duration) -> CheckResult {
    let started = Instant::now();
    match tokio::time::timeout(timeout, TcpStream::connect((address, port))).await {
        Ok(Ok(_stream)) => CheckResult::pass(started.elapsed()),
        Ok(Err(err)) => CheckResult::fail(match err.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused",
            std::io::ErrorKind::HostUnreachable | std::io::ErrorKind::NetworkUnreachable => {
                "unreachable"
            }
            _ if err.raw_os_error().is_none() => "name not resolved",
            _ => "connect failed",
        }),
        Err(_) => CheckResult::fail("timed out"),
    }
}

/// GETs `url`; a 2xx or 3xx passes.
pub async fn http(client: &reqwest::Client, url: &str) -> CheckResult {
    let started = Instant::now();
    match client.get(url).send().await {
        Ok(response) if response.status().is_success() || response.status().is_redirection() => {
            CheckResult::pass(started.elapsed())
        }
        Ok(response) if response.status().is_server_error() => {
            CheckResult::fail("server error (5xx)")
        }
        Ok(_) => CheckResult::fail("client error (4xx)"),
        Err(err) if err.is_timeout() => CheckResult::fail("timed out"),
        Err(err) if err.is_connect() => CheckResult::fail("connect failed"),
        Err(_) => CheckResult::fail("request failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tcp_up_refused_and_bad_name() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let up = tcp("127.0.0.1", port, Duration::from_secs(2)).await;
        assert!(up.ok && up.latency.is_some(), "{up:?}");
        drop(listener);
        let down = tcp("127.0.0.1", port, Duration::from_secs(2)).await;
        assert_eq!(down.error, Some("connection refused"));
        let bad = tcp("no-such-host.invalid", 22, Duration::from_secs(2)).await;
        assert!(!bad.ok, "{bad:?}");
    }
}
