//! Test support (feature `testing`), shared by the crate's tests and its bench example: a
//! server with only the terminal routes, bound to port 0, and a ttyd-protocol client written
//! with tokio-tungstenite, as a test would drive any ttyd server.

use std::net::SocketAddr;
use std::time::Duration;

use crate::Terminals;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ttyd_protocol::{
    ClientMessage, Hello, ServerMessage, WindowSize, decode_server, encode_client,
};
use workbench_config::{TerminalConfig, TerminalProfile};

pub struct TestServer {
    pub addr: SocketAddr,
    pub terminals: Terminals,
}

pub fn profile(name: &str, command: &[&str]) -> TerminalProfile {
    TerminalProfile::program(name, name, command)
}

pub fn config(profiles: Vec<TerminalProfile>) -> TerminalConfig {
    TerminalConfig {
        profiles,
        ..TerminalConfig::default()
    }
}

impl TestServer {
    pub async fn start(config: TerminalConfig) -> Self {
        let terminals = Terminals::new(config);
        let app = crate::router::<Terminals>().with_state(terminals.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, terminals }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn token(&self, profile: &str) -> String {
        let body: serde_json::Value = reqwest::get(self.url(&format!("/terminal/{profile}/token")))
            .await
            .expect("GET token")
            .json()
            .await
            .expect("token JSON");
        body["token"].as_str().expect("token string").to_owned()
    }

    /// Connects and sends the hello with the right token.
    pub async fn open(&self, profile: &str, query: &str, size: (u16, u16)) -> Client {
        let token = self.token(profile).await;
        let mut c = Client::connect(self.addr, &format!("/terminal/{profile}/ws{query}")).await;
        c.hello(&token, size).await;
        c
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Client {
    pub ws: Ws,
    /// Output received so far, as text (lossy).
    pub output: Vec<u8>,
    pub title: Option<String>,
    pub prefs: Option<serde_json::Map<String, serde_json::Value>>,
    /// Message kinds in arrival order: '1', '2', '0'.
    pub order: Vec<u8>,
    pub close: Option<(u16, String)>,
    pub subprotocol: Option<String>,
}

impl Client {
    pub async fn connect(addr: SocketAddr, path: &str) -> Client {
        let mut req = format!("ws://{addr}{path}")
            .into_client_request()
            .expect("request");
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", "tty".parse().expect("header"));
        let (ws, resp) = tokio_tungstenite::connect_async(req)
            .await
            .expect("connect");
        let subprotocol = resp
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Client {
            ws,
            output: Vec::new(),
            title: None,
            prefs: None,
            order: Vec::new(),
            close: None,
            subprotocol,
        }
    }

    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        self.ws
            .send(Message::Binary(bytes.into()))
            .await
            .expect("send");
    }

    pub async fn hello(&mut self, token: &str, (columns, rows): (u16, u16)) {
        let hello = ClientMessage::Hello(Hello {
            auth_token: token.into(),
            size: WindowSize::new(columns, rows).expect("size"),
        });
        self.send_raw(encode_client(&hello)).await;
    }

    pub async fn input(&mut self, text: &str) {
        self.send_raw(encode_client(&ClientMessage::Input(
            text.as_bytes().to_vec(),
        )))
        .await;
    }

    pub async fn resize(&mut self, columns: u16, rows: u16) {
        let size = WindowSize::new(columns, rows).expect("size");
        self.send_raw(encode_client(&ClientMessage::Resize(size)))
            .await;
    }

    /// Reads one message; false when the connection has ended (or on timeout).
    pub async fn step(&mut self, timeout: Duration) -> bool {
        let msg = match tokio::time::timeout(timeout, self.ws.next()).await {
            Err(_) => return false,
            Ok(None) => return false,
            Ok(Some(Err(e))) => {
                eprintln!("read error: {e}");
                return false;
            }
            Ok(Some(Ok(m))) => m,
        };
        match msg {
            Message::Binary(b) => self.take(&b),
            Message::Text(t) => self.take(t.as_bytes()),
            Message::Close(frame) => {
                self.close = Some(
                    frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new())),
                );
                return false;
            }
            _ => {}
        }
        true
    }

    fn take(&mut self, bytes: &[u8]) {
        let msg = decode_server(bytes).expect("server message decodes");
        self.order.push(bytes[0]);
        match msg {
            ServerMessage::Output(data) => self.output.extend_from_slice(&data),
            ServerMessage::SetWindowTitle(t) => self.title = Some(t),
            ServerMessage::SetPreferences(p) => self.prefs = Some(p),
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// Reads until the output contains `needle`; panics with the output after `secs`.
    pub async fn expect_output(&mut self, needle: &str, secs: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !self.text().contains(needle) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() || !self.step(left).await {
                panic!(
                    "output never contained {needle:?}; got {:?} (close {:?})",
                    self.text(),
                    self.close
                );
            }
        }
    }

    /// Reads until the connection ends; returns the close code and reason.
    pub async fn until_closed(&mut self, secs: u64) -> Option<(u16, String)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                panic!(
                    "connection still open after {secs} s; output {:?}",
                    self.text()
                );
            }
            if !self.step(left).await {
                return self.close.clone();
            }
        }
    }

    /// Drops the TCP connection without a close frame, like a network failure.
    pub fn drop_connection(self) {
        drop(self.ws);
    }

    pub async fn close_normally(&mut self) {
        let _ = self
            .ws
            .send(Message::Close(Some(
                tokio_tungstenite::tungstenite::protocol::CloseFrame {
                    code: 1000.into(),
                    reason: "".into(),
                },
            )))
            .await;
    }
}

/// Whether a process exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next());
            state != Some("Z") && state != Some("X")
        }
        Err(_) => false,
    }
}

pub fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits up to `secs` for `cond`.
pub async fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cond()
}
