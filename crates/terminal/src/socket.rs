//! One WebSocket speaking the ttyd protocol: the hello, title then preferences, output
//! with PAUSE/RESUME honoured, input and resizes, and a close frame after the last byte.
//! The socket is yawc's (see `handshake`), so output is compressed when permessage-deflate
//! was negotiated; nothing here depends on whether it was.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use ttyd_protocol::{
    ClientMessage, CloseFrame, Preferences, ServerMessage, close_code, close_for_exit,
    decode_client, encode_output, encode_server,
};
use yawc::close::CloseCode;
use yawc::{Frame, OpCode};

use crate::handshake::Ws;
use crate::profile::Profile;
use crate::registry::{OpenError, Terminals};
use crate::session::{Attachment, Event, Session};

/// The client's first message must arrive within this.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
/// Output frames are built from queued chunks up to this size.
const FRAME_TARGET: usize = 64 * 1024;
/// Pings keep proxies (Cloudflare drops idle WebSockets after 100 s) from closing us.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How long to wait for the client's half of the closing handshake.
const CLOSE_WAIT: Duration = Duration::from_secs(5);
/// Input messages queued for the process before the socket stops being read.
const INPUT_QUEUE: usize = 64;

/// Private close code: another client attached to this session.
pub const CLOSE_REPLACED: u16 = 4001;
/// Close code for "too many sessions" (1013, Try Again Later).
pub const CLOSE_TRY_AGAIN: u16 = 1013;

/// What the client asked for in the WebSocket URL's query string.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SocketQuery {
    /// `new` for a new session whose id is then reported in the preferences, or the id
    /// of a session to reattach to. Without it the connection behaves exactly as ttyd.
    pub session: Option<String>,
}

type Sink = SplitSink<Ws, Frame>;
type Source = SplitStream<Ws>;

pub async fn serve(socket: Ws, terminals: Terminals, profile: Arc<Profile>, query: SocketQuery) {
    let (mut sink, mut source) = socket.split();
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, first_data(&mut source)).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            send_pending(&mut source).await;
            return;
        }
        Err(_) => {
            close(
                &mut sink,
                close_code::PROTOCOL_ERROR,
                "no hello within 30 s",
            )
            .await;
            finish(&mut source).await;
            return;
        }
    };
    let hello = match decode_client(&hello) {
        Ok(ClientMessage::Hello(h)) => h,
        Ok(_) | Err(_) => {
            close(
                &mut sink,
                close_code::PROTOCOL_ERROR,
                "the first message must be the JSON hello",
            )
            .await;
            finish(&mut source).await;
            return;
        }
    };
    if !constant_time_eq(hello.auth_token.as_bytes(), terminals.token().as_bytes()) {
        close(
            &mut sink,
            close_code::POLICY_VIOLATION,
            "wrong AuthToken; fetch it from /token",
        )
        .await;
        finish(&mut source).await;
        return;
    }

    let wants_id = query.session.is_some();
    let existing = query
        .session
        .as_deref()
        .filter(|id| *id != "new")
        .and_then(|id| terminals.get(profile.name(), id));
    let session = match existing {
        Some(s) => {
            let _ = s.resize(hello.size).await;
            s
        }
        None => match terminals.open(profile.clone(), hello.size).await {
            Ok(s) => s,
            Err(e) => {
                refuse(&mut sink, &terminals, &profile, &e).await;
                finish(&mut source).await;
                return;
            }
        },
    };

    let mut prefs = preferences(&terminals);
    if wants_id {
        prefs.insert("session".into(), session.id.clone().into());
    }
    let head = [
        ServerMessage::SetWindowTitle(session.title.clone()),
        ServerMessage::SetPreferences(prefs),
    ];
    for msg in &head {
        if sink.send(Frame::binary(encode_server(msg))).await.is_err() {
            return;
        }
    }

    let attachment = session.attach();
    let generation = attachment.generation;
    let (paused_tx, paused_rx) = watch::channel(false);
    let end = tokio::select! {
        end = write_loop(&mut sink, attachment, paused_rx) => End::Writer(end),
        end = read_loop(&mut source, &session, paused_tx) => End::Reader(end),
    };
    if matches!(end, End::Writer(WriterEnd::Exited | WriterEnd::Replaced)) {
        // Closing the TCP connection with unread input makes the kernel send a reset, and
        // a reset can discard output the client has not read yet: finish the handshake.
        finish(&mut source).await;
    }
    let reader_ended = matches!(end, End::Reader(_));
    match end {
        End::Writer(WriterEnd::Exited) | End::Writer(WriterEnd::SessionGone) => {
            terminals.detach(&session, generation);
        }
        End::Writer(WriterEnd::Replaced) => {}
        End::Writer(WriterEnd::SocketGone) => terminals.detach(&session, generation),
        End::Reader(ReaderEnd::ClosedByUser) => {
            tracing::info!(session = %session.id, "client closed the terminal");
            terminals.close(&session.id);
        }
        End::Reader(ReaderEnd::Dropped) => {
            tracing::debug!(session = %session.id, "client left; keeping the session for reattach");
            terminals.detach(&session, generation);
        }
    }
    if reader_ended {
        send_pending(&mut source).await;
    }
}

/// yawc queues its answer to the client's close frame, or its own close frame for a message
/// it refused (1009 too big, 1002, 1007), and writes it on the next read after the stream
/// ended: this is that read.
async fn send_pending(source: &mut Source) {
    let _ = tokio::time::timeout(CLOSE_WAIT, source.next()).await;
}

enum End {
    Writer(WriterEnd),
    Reader(ReaderEnd),
}

enum WriterEnd {
    Exited,
    Replaced,
    SessionGone,
    SocketGone,
}

enum ReaderEnd {
    /// A close frame with 1000: the user closed the tab on purpose.
    ClosedByUser,
    /// Anything else: the network, a reload, a sleeping laptop.
    Dropped,
}

/// Waits (briefly) for the client's half of the closing handshake: dropping the TCP
/// connection with unread input makes the kernel send a reset, and a reset can discard
/// output the client has not read yet (the browser then sees 1006, not our code).
async fn finish(source: &mut Source) {
    let _ = tokio::time::timeout(CLOSE_WAIT, drain_until_close(source)).await;
}

async fn drain_until_close(source: &mut Source) {
    while let Some(frame) = source.next().await {
        if frame.opcode() == OpCode::Close {
            return;
        }
    }
}

/// The first data message, skipping pings; `None` if the socket closed (or failed) first.
async fn first_data(source: &mut Source) -> Option<Vec<u8>> {
    while let Some(frame) = source.next().await {
        match frame.opcode() {
            OpCode::Binary | OpCode::Text => return Some(frame.into_payload().to_vec()),
            OpCode::Close => return None,
            OpCode::Ping | OpCode::Pong | OpCode::Continuation => {}
        }
    }
    None
}

/// Title, preferences, the reason as output (so ttyd's page shows it too), then a close.
async fn refuse(sink: &mut Sink, terminals: &Terminals, profile: &Profile, err: &OpenError) {
    let (code, reason, text) = match err {
        OpenError::TooMany(_) => (
            CLOSE_TRY_AGAIN,
            "too many terminal sessions".to_string(),
            err.to_string(),
        ),
        OpenError::Spawn(e) => {
            if !matches!(e, crate::SpawnError::MissingProgram { .. }) {
                tracing::warn!(profile = profile.name(), error = %e, "could not start a terminal");
            }
            (
                close_code::INTERNAL_ERROR,
                short_reason(e),
                e.user_message(),
            )
        }
    };
    let messages = [
        ServerMessage::SetWindowTitle(profile.config.title.clone()),
        ServerMessage::SetPreferences(preferences(terminals)),
        ServerMessage::Output(format!("\r\n{}\r\n", text.replace('\n', "\r\n")).into_bytes()),
    ];
    for msg in &messages {
        if sink.send(Frame::binary(encode_server(msg))).await.is_err() {
            return;
        }
    }
    close(sink, code, &reason).await;
}

fn short_reason(e: &crate::SpawnError) -> String {
    match e {
        crate::SpawnError::MissingProgram { program, .. } => format!("not installed: {program}"),
        _ => "could not start the program".into(),
    }
}

fn preferences(terminals: &Terminals) -> Preferences {
    let c = terminals.config();
    let mut p = Preferences::new();
    p.insert("fontFamily".into(), c.font_family.clone().into());
    p.insert("fontSize".into(), c.font_size.into());
    // ttyd's `-t theme={…}`: an xterm.js ITheme object, which ttyd's own page applies too.
    let theme: serde_json::Map<String, serde_json::Value> = c
        .xterm_theme()
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    p.insert("theme".into(), theme.into());
    p
}

async fn close(sink: &mut Sink, code: u16, reason: &str) {
    let frame = CloseFrame::new(code, reason);
    let _ = sink
        .send(Frame::close(CloseCode::from(frame.code()), frame.reason()))
        .await;
    let _ = sink.close().await;
}

/// Sends the replay, then events as they come, never while paused. Chunks queued
/// together go out as one frame.
async fn write_loop(
    sink: &mut Sink,
    mut att: Attachment,
    mut paused: watch::Receiver<bool>,
) -> WriterEnd {
    for part in att.replay.chunks(FRAME_TARGET) {
        if sink.send(Frame::binary(encode_output(part))).await.is_err() {
            return WriterEnd::SocketGone;
        }
    }
    drop(std::mem::take(&mut att.replay));
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        let is_paused = *paused.borrow_and_update();
        tokio::select! {
            biased;
            () = att.replaced.cancelled() => {
                close(sink, CLOSE_REPLACED, "this session was opened in another tab").await;
                return WriterEnd::Replaced;
            }
            changed = paused.changed() => {
                if changed.is_err() {
                    return WriterEnd::SocketGone;
                }
            }
            event = att.events.recv(), if !is_paused => {
                let Some(event) = event else {
                    // Replacing a client drops its channel, which may be seen first.
                    if att.replaced.is_cancelled() {
                        close(sink, CLOSE_REPLACED, "this session was opened in another tab").await;
                        return WriterEnd::Replaced;
                    }
                    return WriterEnd::SessionGone;
                };
                let mut exit = None;
                let mut frame = vec![ttyd_protocol::command::OUTPUT];
                match event {
                    Event::Output(data) => frame.extend_from_slice(&data),
                    Event::Exit(status) => exit = Some(status),
                }
                while exit.is_none() && frame.len() < FRAME_TARGET {
                    match att.events.try_recv() {
                        Ok(Event::Output(data)) => frame.extend_from_slice(&data),
                        Ok(Event::Exit(status)) => exit = Some(status),
                        Err(mpsc::error::TryRecvError::Empty | mpsc::error::TryRecvError::Disconnected) => break,
                    }
                }
                if frame.len() > 1 && sink.send(Frame::binary(frame)).await.is_err() {
                    return WriterEnd::SocketGone;
                }
                if let Some(status) = exit {
                    let frame = close_for_exit(status);
                    close(sink, frame.code(), frame.reason()).await;
                    return WriterEnd::Exited;
                }
            }
            _ = ping.tick() => {
                if sink.send(Frame::ping(Vec::new())).await.is_err() {
                    return WriterEnd::SocketGone;
                }
            }
        }
    }
}

/// Input, resizes and flow control from the client. Input goes through a bounded queue
/// to its own task, so a process that stops reading its input cannot stall RESUME.
async fn read_loop(
    source: &mut Source,
    session: &Arc<Session>,
    paused: watch::Sender<bool>,
) -> ReaderEnd {
    let read_only = session.profile.read_only();
    let (input_tx, mut input_rx) = mpsc::channel::<Vec<u8>>(INPUT_QUEUE);
    let writer_session = session.clone();
    let input_task = tokio::spawn(async move {
        while let Some(data) = input_rx.recv().await {
            if let Err(e) = writer_session.write(&data).await {
                tracing::debug!(session = %writer_session.id, error = %e, "terminal input not written");
            }
        }
    });
    let end = loop {
        // yawc ends the stream on any error (and queues the close frame it calls for).
        let Some(frame) = source.next().await else {
            break ReaderEnd::Dropped;
        };
        let bytes = match frame.opcode() {
            OpCode::Binary | OpCode::Text => frame.into_payload(),
            OpCode::Close => {
                break if frame.close_code().map(u16::from) == Some(close_code::NORMAL) {
                    ReaderEnd::ClosedByUser
                } else {
                    ReaderEnd::Dropped
                };
            }
            OpCode::Ping | OpCode::Pong | OpCode::Continuation => continue,
        };
        match decode_client(&bytes) {
            Ok(ClientMessage::Input(data)) => {
                if read_only {
                    tracing::debug!(session = %session.id, "input dropped: read-only profile");
                } else if input_tx.send(data).await.is_err() {
                    break ReaderEnd::Dropped;
                }
            }
            Ok(ClientMessage::Resize(size)) => {
                if let Err(e) = session.resize(size).await {
                    tracing::debug!(session = %session.id, error = %e, "resize failed");
                }
            }
            Ok(ClientMessage::Pause) => {
                let _ = paused.send(true);
            }
            Ok(ClientMessage::Resume) => {
                let _ = paused.send(false);
            }
            // ttyd ignores a second hello and anything it does not understand.
            Ok(ClientMessage::Hello(_)) => {}
            Err(e) => {
                tracing::debug!(session = %session.id, error = %e, "ignored a terminal message")
            }
        }
    };
    drop(input_tx);
    // Input already queued still reaches the process, but we do not wait for it.
    drop(input_task);
    end
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abc\0"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
