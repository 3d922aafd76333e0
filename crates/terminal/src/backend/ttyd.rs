//! `ttyd`: an upstream ttyd server (the dev-workspace container's), used as a ttyd client:
//! `GET <url>/token` (Basic auth when a credential is set), then `<url>/ws` with the `tty`
//! subprotocol and the same Authorization header, the hello, and OUTPUT from then on.
//! Debian-built ttyd closes the TCP connection without a close frame when its process
//! exits; that is read as the normal end of the session, not an error.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt, stream};
use http::HeaderValue;
use tokio::net::TcpStream;
use tokio::sync::{Mutex, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ttyd_protocol::{
    ClientMessage, ExitStatus, Hello, ServerMessage, TokenResponse, WindowSize, decode_server,
    encode_client,
};

use super::{Backend, BoxFuture, Control, SpawnError, Spawned};
use crate::profile::Profile;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest message accepted from the upstream.
const MAX_MESSAGE: usize = 4 * 1024 * 1024;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct TtydBackend {
    http: reqwest::Client,
}

impl TtydBackend {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { http }
    }
}

impl Backend for TtydBackend {
    fn spawn<'a>(
        &'a self,
        profile: &'a Profile,
        size: WindowSize,
    ) -> BoxFuture<'a, Result<Spawned, SpawnError>> {
        Box::pin(async move {
            tokio::time::timeout(CONNECT_TIMEOUT * 2, self.connect(profile, size))
                .await
                .unwrap_or_else(|_| Err(upstream(profile, "no answer in time".into())))
        })
    }
}

fn base_url(profile: &Profile) -> String {
    profile
        .config
        .url
        .as_deref()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned()
}

fn upstream(profile: &Profile, reason: String) -> SpawnError {
    SpawnError::Upstream {
        url: base_url(profile),
        reason,
    }
}

impl TtydBackend {
    async fn connect(&self, profile: &Profile, size: WindowSize) -> Result<Spawned, SpawnError> {
        let base = base_url(profile);
        let authorization = profile.config.credential.as_deref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(c)
            )
        });

        let mut req = self.http.get(format!("{base}/token"));
        if let Some(a) = &authorization {
            req = req.header(http::header::AUTHORIZATION, a);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| upstream(profile, format!("GET /token failed: {}", e.without_url())))?;
        match resp.status().as_u16() {
            200 => {}
            401 | 407 => {
                return Err(upstream(
                    profile,
                    "the credential was refused; check credential = \"user:pass\"".into(),
                ));
            }
            s => return Err(upstream(profile, format!("GET /token answered {s}"))),
        }
        let token: TokenResponse = resp
            .json()
            .await
            .map_err(|_| upstream(profile, "/token is not ttyd's JSON".into()))?;

        let ws_url = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}/ws")
        } else {
            format!("ws://{}/ws", base.strip_prefix("http://").unwrap_or(&base))
        };
        let mut request = ws_url
            .into_client_request()
            .map_err(|e| upstream(profile, format!("bad url: {e}")))?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(ttyd_protocol::SUBPROTOCOL),
        );
        if let Some(a) = &authorization
            && let Ok(v) = HeaderValue::from_str(a)
        {
            request.headers_mut().insert(http::header::AUTHORIZATION, v);
        }
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
            .await
            .map_err(|e| upstream(profile, format!("WebSocket refused: {e}")))?;
        let (mut sink, mut source) = ws.split();
        let hello = ClientMessage::Hello(Hello {
            auth_token: token.token,
            size,
        });
        sink.send(Message::Binary(encode_client(&hello).into()))
            .await
            .map_err(|e| upstream(profile, format!("sending the hello failed: {e}")))?;

        // Title first (ttyd always sends it before anything else); output that arrives
        // early is kept for the stream.
        let mut early = Vec::new();
        let mut title = None;
        let (exit_tx, exit_rx) = watch::channel(None);
        while title.is_none() {
            match source.next().await {
                Some(Ok(Message::Binary(b))) => match decode_server(&b) {
                    Ok(ServerMessage::SetWindowTitle(t)) => title = Some(t),
                    Ok(ServerMessage::Output(d)) => early.push(d),
                    _ => {}
                },
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.as_ref().map(|f| u16::from(f.code)).unwrap_or(1005);
                    let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    return Err(upstream(
                        profile,
                        format!("closed the session at once ({code} {reason})"),
                    ));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(upstream(profile, format!("connection failed: {e}"))),
                None => {
                    return Err(upstream(
                        profile,
                        "closed the connection before the title".into(),
                    ));
                }
            }
        }
        let sink = Arc::new(Mutex::new(sink));
        Ok(Spawned {
            title: title.unwrap_or_default(),
            output: output_stream(early, source, exit_tx),
            control: Box::new(TtydControl {
                sink,
                exit: exit_rx,
            }),
        })
    }
}

/// OUTPUT payloads until the upstream closes. A close frame's code (and our own server's
/// "exit status N" reason) gives the exit status; a bare TCP close is a normal end.
fn output_stream(
    early: Vec<Vec<u8>>,
    source: SplitStream<Ws>,
    exit: watch::Sender<Option<ExitStatus>>,
) -> super::OutputStream {
    let early = stream::iter(early.into_iter().map(Ok));
    let rest = stream::unfold(Some((source, exit)), |state| async move {
        let (mut source, exit) = state?;
        loop {
            match source.next().await {
                Some(Ok(Message::Binary(b))) => {
                    if let Ok(ServerMessage::Output(data)) = decode_server(&b) {
                        return Some((Ok::<_, io::Error>(data), Some((source, exit))));
                    }
                }
                Some(Ok(Message::Text(t))) => {
                    if let Ok(ServerMessage::Output(data)) = decode_server(t.as_bytes()) {
                        return Some((Ok(data), Some((source, exit))));
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let status = match frame {
                        Some(f) if u16::from(f.code) == 1000 => ExitStatus::Exited(0),
                        Some(f) => status_from_reason(&f.reason).unwrap_or(ExitStatus::Unknown),
                        None => ExitStatus::Exited(0),
                    };
                    let _ = exit.send(Some(status));
                    return None;
                }
                Some(Ok(_)) => {}
                // No close frame: how Debian's ttyd ends every session.
                Some(Err(_)) | None => {
                    let _ = exit.send(Some(ExitStatus::Exited(0)));
                    return None;
                }
            }
        }
    });
    Box::pin(early.chain(rest))
}

/// `exit status N` / `killed by signal N`, as our own server words its close reasons.
fn status_from_reason(reason: &str) -> Option<ExitStatus> {
    if let Some(n) = reason.strip_prefix("exit status ") {
        return n.parse().ok().map(ExitStatus::Exited);
    }
    reason
        .strip_prefix("killed by signal ")
        .and_then(|n| n.parse().ok())
        .map(ExitStatus::Signaled)
}

struct TtydControl {
    sink: Arc<Mutex<SplitSink<Ws, Message>>>,
    exit: watch::Receiver<Option<ExitStatus>>,
}

impl TtydControl {
    async fn send(&self, frame: Vec<u8>) -> io::Result<()> {
        self.sink
            .lock()
            .await
            .send(Message::Binary(frame.into()))
            .await
            .map_err(io::Error::other)
    }
}

impl Control for TtydControl {
    fn write<'a>(&'a self, data: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move { self.send(ttyd_protocol::encode_input(data)).await })
    }

    fn resize(&self, size: WindowSize) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move { self.send(encode_client(&ClientMessage::Resize(size))).await })
    }

    fn wait(&self) -> BoxFuture<'_, ExitStatus> {
        Box::pin(async move {
            let mut exit = self.exit.clone();
            match exit.wait_for(Option::is_some).await {
                Ok(s) => s.unwrap_or(ExitStatus::Unknown),
                Err(_) => ExitStatus::Unknown,
            }
        })
    }

    /// Closing the WebSocket makes ttyd hang up its process (SIGHUP to the group).
    fn terminate(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let mut sink = self.sink.lock().await;
            let _ = tokio::time::timeout(Duration::from_secs(2), sink.close()).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_give_the_status() {
        assert_eq!(
            status_from_reason("exit status 3"),
            Some(ExitStatus::Exited(3))
        );
        assert_eq!(
            status_from_reason("killed by signal 9"),
            Some(ExitStatus::Signaled(9))
        );
        assert_eq!(status_from_reason("whatever"), None);
        assert_eq!(status_from_reason("exit status x"), None);
    }
}
