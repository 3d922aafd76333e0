//! Server → client messages (ttyd-protocol.md §5).

use crate::client::to_json;
use crate::{MAX_TITLE_LEN, ProtocolError, command, json};

/// The SET_PREFERENCES payload: a JSON object of client options
/// (`fontSize`, `disableLeaveAlert`, `rendererType`, …). ttyd's page merges
/// it over its defaults and assigns unknown keys to xterm.js options.
pub type Preferences = serde_json::Map<String, serde_json::Value>;

/// A message from the server to the client.
///
/// Order on a connection (ttyd-protocol.md §5): nothing before the hello,
/// then exactly one [`SetWindowTitle`](Self::SetWindowTitle), then one
/// [`SetPreferences`](Self::SetPreferences), and only then
/// [`Output`](Self::Output). Keeping that order is the server's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// `'0'` + raw pty bytes. Not UTF-8 aligned: a message may end in the
    /// middle of a character or escape sequence, so feed it to a streaming
    /// decoder. No length limit here (the WebSocket layer bounds it).
    Output(Vec<u8>),
    /// `'1'` + UTF-8 title; ttyd sends `<command line> (<hostname>)`.
    ///
    /// Decoding is **lossy** (invalid UTF-8 becomes U+FFFD), as the page's
    /// `TextDecoder` is: a command line is bytes and need not be UTF-8. At most
    /// [`MAX_TITLE_LEN`] bytes.
    SetWindowTitle(String),
    /// `'2'` + JSON object (ttyd sends `{ }` when there are no options). At
    /// most [`MAX_JSON_LEN`](crate::MAX_JSON_LEN) bytes; anything but one JSON
    /// object (nested at most 128 deep, serde_json's limit) is an error.
    SetPreferences(Preferences),
}

/// Decodes one server → client WebSocket message.
///
/// Errors: [`ProtocolError::EmptyFrame`]; [`ProtocolError::UnknownCommand`]
/// for a first byte other than `'0'`–`'2'` (this includes `'3'`,
/// SET_RECONNECT of ttyd 1.4.0–1.5.0, which the page has not understood since
/// 1.5.1); [`ProtocolError::TooLarge`] / [`ProtocolError::InvalidJson`] for
/// titles and preferences as documented on [`ServerMessage`].
pub fn decode_server(frame: &[u8]) -> Result<ServerMessage, ProtocolError> {
    let (&cmd, payload) = frame.split_first().ok_or(ProtocolError::EmptyFrame)?;
    match cmd {
        command::OUTPUT => Ok(ServerMessage::Output(payload.to_vec())),
        command::SET_WINDOW_TITLE => {
            if payload.len() > MAX_TITLE_LEN {
                return Err(ProtocolError::TooLarge {
                    what: "window title",
                    len: payload.len(),
                    max: MAX_TITLE_LEN,
                });
            }
            Ok(ServerMessage::SetWindowTitle(
                String::from_utf8_lossy(payload).into_owned(),
            ))
        }
        command::SET_PREFERENCES => {
            json::parse_object("preferences", payload).map(ServerMessage::SetPreferences)
        }
        other => Err(ProtocolError::UnknownCommand(other)),
    }
}

/// Encodes one server → client message; send it as a **binary** frame (ttyd
/// does; OUTPUT is not UTF-8).
///
/// Encoding never fails and does not enforce the decoder's limits: a title
/// over [`MAX_TITLE_LEN`] or preferences over
/// [`MAX_JSON_LEN`](crate::MAX_JSON_LEN) are written as given and will be
/// rejected by [`decode_server`]. Preferences are written as compact JSON
/// (`{}` where ttyd writes `{ }`; the same JSON).
pub fn encode_server(msg: &ServerMessage) -> Vec<u8> {
    match msg {
        ServerMessage::Output(data) => encode_output(data),
        ServerMessage::SetWindowTitle(title) => {
            let mut out = Vec::with_capacity(1 + title.len());
            out.push(command::SET_WINDOW_TITLE);
            out.extend_from_slice(title.as_bytes());
            out
        }
        ServerMessage::SetPreferences(prefs) => to_json(Some(command::SET_PREFERENCES), prefs),
    }
}

/// `encode_server(&ServerMessage::Output(data.to_vec()))` without the
/// intermediate copy: `'0'` followed by `data`. This is the hot path (one call
/// per pty read); a server that wants no copy at all can read the pty into a
/// buffer whose byte 0 is already [`command::OUTPUT`].
pub fn encode_output(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + data.len());
    out.push(command::OUTPUT);
    out.extend_from_slice(data);
    out
}
