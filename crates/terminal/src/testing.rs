//! Test support (feature `testing`), shared by the crate's tests and its bench example: a
//! server with only the terminal routes, bound to port 0, and a ttyd-protocol client, as a
//! test would drive any ttyd server. The client is either tokio-tungstenite, which never
//! offers permessage-deflate, or yawc offering it as Chromium does, so a check can run both
//! ways; and [`upgrade`] makes the opening handshake by hand, to see and choose every header.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::Terminals;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ttyd_protocol::{
    ClientMessage, Hello, ServerMessage, WindowSize, decode_server, encode_client,
};
use workbench_config::{TerminalConfig, TerminalProfile};
use yawc::close::CloseCode;
use yawc::{Frame, OpCode};

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

/// A profile's ttyd auth token from the server at `addr`, fetched as a ttyd client does.
pub async fn token(addr: SocketAddr, profile: &str) -> String {
    let body: serde_json::Value = reqwest::get(format!("http://{addr}/terminal/{profile}/token"))
        .await
        .expect("GET token")
        .json()
        .await
        .expect("token JSON");
    body["token"].as_str().expect("token string").to_owned()
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
        token(self.addr, profile).await
    }

    /// Connects (without compression) and sends the hello with the right token.
    pub async fn open(&self, profile: &str, query: &str, size: (u16, u16)) -> Client {
        self.open_as(Kind::Plain, profile, query, size).await
    }

    /// Connects with the given client and sends the hello with the right token.
    pub async fn open_as(
        &self,
        kind: Kind,
        profile: &str,
        query: &str,
        size: (u16, u16),
    ) -> Client {
        let token = self.token(profile).await;
        let path = format!("/terminal/{profile}/ws{query}");
        let mut c = Client::connect_as(kind, self.addr, &path).await;
        c.hello(&token, size).await;
        c
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type DeflateWs = yawc::WebSocket<Counted>;

/// A TCP stream that counts the bytes read from it: what the server put on the wire.
pub struct Counted {
    inner: TcpStream,
    read: Arc<AtomicU64>,
}

impl Counted {
    pub fn new(inner: TcpStream) -> (Self, Arc<AtomicU64>) {
        let read = Arc::new(AtomicU64::new(0));
        (
            Self {
                inner,
                read: read.clone(),
            },
            read,
        )
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Which client library talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// tokio-tungstenite: no extension offered, so the socket runs uncompressed.
    Plain,
    /// yawc offering `permessage-deflate; client_max_window_bits`, as Chromium does.
    Deflate,
}

/// What Chromium sends in `Sec-WebSocket-Extensions`.
pub const BROWSER_OFFER: &str = "permessage-deflate; client_max_window_bits";

pub enum Transport {
    Plain(Box<Ws>),
    Deflate(Box<DeflateWs>),
}

/// One message from the server, whichever client read it.
pub enum Received {
    Data(Bytes),
    /// Code and reason; 1005 when the close frame carried no code.
    Close((u16, String)),
    Control,
}

impl Transport {
    pub async fn send(&mut self, bytes: Vec<u8>) -> bool {
        match self {
            Transport::Plain(ws) => ws.send(Message::Binary(bytes.into())).await.is_ok(),
            Transport::Deflate(ws) => ws.send(Frame::binary(bytes)).await.is_ok(),
        }
    }

    /// The next message; `None` once the connection has ended (or failed).
    pub async fn recv(&mut self) -> Option<Received> {
        match self {
            Transport::Plain(ws) => match ws.next().await? {
                Err(e) => {
                    eprintln!("read error: {e}");
                    None
                }
                Ok(Message::Binary(b)) => Some(Received::Data(b)),
                Ok(Message::Text(t)) => Some(Received::Data(Bytes::copy_from_slice(t.as_bytes()))),
                Ok(Message::Close(frame)) => {
                    // Answer the close now, as a browser does (tungstenite would only send
                    // its reply with the next read or write).
                    let _ = ws.flush().await;
                    Some(Received::Close(
                        frame
                            .map(|f| (u16::from(f.code), f.reason.to_string()))
                            .unwrap_or((1005, String::new())),
                    ))
                }
                Ok(_) => Some(Received::Control),
            },
            Transport::Deflate(ws) => match ws.next_frame().await {
                Err(yawc::WebSocketError::ConnectionClosed) => None,
                Err(e) => {
                    eprintln!("read error: {e}");
                    None
                }
                Ok(frame) => Some(match frame.opcode() {
                    OpCode::Binary | OpCode::Text => Received::Data(frame.into_payload()),
                    OpCode::Close => {
                        // yawc writes its answer to a close on the next read, which then ends
                        // at once.
                        let _ = ws.next_frame().await;
                        Received::Close(match frame.close_code() {
                            Some(code) => (
                                u16::from(code),
                                frame
                                    .close_reason()
                                    .ok()
                                    .flatten()
                                    .unwrap_or_default()
                                    .to_owned(),
                            ),
                            None => (1005, String::new()),
                        })
                    }
                    OpCode::Ping | OpCode::Pong | OpCode::Continuation => Received::Control,
                }),
            },
        }
    }

    pub async fn close(&mut self, code: u16) {
        match self {
            Transport::Plain(ws) => {
                let _ = ws
                    .send(Message::Close(Some(
                        tokio_tungstenite::tungstenite::protocol::CloseFrame {
                            code: code.into(),
                            reason: "".into(),
                        },
                    )))
                    .await;
            }
            Transport::Deflate(ws) => {
                let _ = ws.send(Frame::close(CloseCode::from(code), b"")).await;
            }
        }
    }
}

/// The server's answer to an upgrade request made by hand.
pub struct Upgraded {
    /// 0 when the server closed the connection without answering.
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The connection, positioned right after the response head.
    pub stream: TcpStream,
}

impl Upgraded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A yawc client on this connection, with the extensions the server answered, and the
    /// count of bytes it reads off the wire.
    pub fn into_client(self) -> (DeflateWs, Arc<AtomicU64>) {
        let extensions = self.header("sec-websocket-extensions").map(String::from);
        let options =
            yawc::Options::default().with_compression_level(yawc::CompressionLevel::fast());
        let (stream, read) = Counted::new(self.stream);
        let ws = yawc::WebSocket::from_stream_with_extensions(
            stream,
            yawc::Role::Client,
            extensions.as_deref(),
            options,
        )
        .expect("yawc client");
        (ws, read)
    }
}

/// Sends an upgrade request for `path` with `headers` added, and reads the response head.
pub async fn upgrade(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Upgraded {
    use base64::Engine;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let key = base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes());
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    // Byte by byte, so nothing after the head is taken from the socket.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read_u8().await {
            Ok(b) => head.push(b),
            Err(_) => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Upgraded {
        status,
        headers,
        stream,
    }
}

pub struct Client {
    pub ws: Transport,
    /// Output received so far, as text (lossy).
    pub output: Vec<u8>,
    pub title: Option<String>,
    pub prefs: Option<serde_json::Map<String, serde_json::Value>>,
    /// Message kinds in arrival order: '1', '2', '0'.
    pub order: Vec<u8>,
    pub close: Option<(u16, String)>,
    pub subprotocol: Option<String>,
    /// The server's `Sec-WebSocket-Extensions` answer (yawc client only).
    pub extensions: Option<String>,
    /// Bytes read off the wire so far (yawc client only).
    pub wire: Option<Arc<AtomicU64>>,
}

impl Client {
    pub async fn connect_as(kind: Kind, addr: SocketAddr, path: &str) -> Client {
        match kind {
            Kind::Plain => Client::connect(addr, path).await,
            Kind::Deflate => Client::connect_deflate(addr, path).await,
        }
    }

    /// Connects offering `tty` and permessage-deflate as Chromium does.
    pub async fn connect_deflate(addr: SocketAddr, path: &str) -> Client {
        let up = upgrade(
            addr,
            path,
            &[
                ("Sec-WebSocket-Protocol", "tty"),
                ("Sec-WebSocket-Extensions", BROWSER_OFFER),
            ],
        )
        .await;
        assert_eq!(up.status, 101, "upgrade refused: {:?}", up.headers);
        let subprotocol = up.header("sec-websocket-protocol").map(String::from);
        let extensions = up.header("sec-websocket-extensions").map(String::from);
        let (ws, wire) = up.into_client();
        let mut c = Client::new(Transport::Deflate(Box::new(ws)), subprotocol, extensions);
        c.wire = Some(wire);
        c
    }

    /// A client on a socket opened some other way (e.g. after [`upgrade`]).
    pub fn from_transport(ws: Transport) -> Client {
        Client::new(ws, None, None)
    }

    fn new(ws: Transport, subprotocol: Option<String>, extensions: Option<String>) -> Client {
        Client {
            wire: None,
            ws,
            output: Vec::new(),
            title: None,
            prefs: None,
            order: Vec::new(),
            close: None,
            subprotocol,
            extensions,
        }
    }

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
        Client::new(Transport::Plain(Box::new(ws)), subprotocol, None)
    }

    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        assert!(self.ws.send(bytes).await, "send");
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
        match tokio::time::timeout(timeout, self.ws.recv()).await {
            Err(_) | Ok(None) => return false,
            Ok(Some(Received::Data(b))) => self.take(&b),
            Ok(Some(Received::Close(close))) => {
                self.close = Some(close);
                return false;
            }
            Ok(Some(Received::Control)) => {}
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
        self.ws.close(1000).await;
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
