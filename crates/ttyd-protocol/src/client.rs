//! Client → server messages (ttyd-protocol.md §4).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::size::dimension;
use crate::{ProtocolError, WindowSize, command, json};

/// A message from the browser (or any ttyd client) to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// The JSON hello, `{"AuthToken":…,"columns":…,"rows":…}`, which must be
    /// the client's first message; the server starts the process only now, at
    /// this size. ttyd ignores a second hello on the same connection (that is
    /// the server's state to keep, not this codec's).
    Hello(Hello),
    /// `'0'` + bytes for the pty, passed through unchanged (keystrokes as UTF-8,
    /// or arbitrary bytes). No length limit here: the WebSocket layer's maximum
    /// message size bounds it. ttyd writes it only when started with `-W`.
    Input(Vec<u8>),
    /// `'1'` + `{"columns":C,"rows":R}`: the terminal was resized.
    Resize(WindowSize),
    /// `'2'`: the client is behind and asks the server to stop sending OUTPUT.
    /// (A no-op in ttyd 1.7.x; ours should honour it.) Any bytes after the
    /// `'2'` are ignored, as ttyd does.
    Pause,
    /// `'3'`: send OUTPUT again. Any bytes after the `'3'` are ignored.
    Resume,
}

/// The contents of the client's first message.
///
/// # Leniency, compared with ttyd
///
/// Like ttyd: a missing or `null` `AuthToken` is read as the empty string
/// (which is also what the page sends when `/token` returned `""`); a missing,
/// `null` or `0` `columns`/`rows` falls back, per dimension, to
/// [`WindowSize::DEFAULT`] (80 × 24) – so a 1.6.x page's `{"AuthToken":"…"}`
/// is accepted; unknown keys are ignored.
///
/// **Stricter than ttyd** (which parses with json-c and never rejects a hello
/// outright): the message must be exactly one well-formed JSON object of at
/// most [`MAX_JSON_LEN`](crate::MAX_JSON_LEN) bytes (ttyd treats garbage after
/// `{` as "no fields" and ignores trailing data); `AuthToken` must be a string
/// (json-c would stringify a number); `columns`/`rows` must be JSON integers
/// in `0..=WindowSize::MAX` (json-c converts strings, floats and booleans,
/// and ttyd wraps the result to 16 bits); a known key may not appear twice.
#[derive(Clone, PartialEq, Eq)]
pub struct Hello {
    /// The token the page fetched from `/token` (ttyd: base64 of
    /// `user:pass`, or `""` without `-c`). Compare the **whole** string, in
    /// constant time: ttyd compares with `strcmp`, so it stops at an embedded
    /// NUL (`"\u0000"`), which a JSON string can contain.
    pub auth_token: String,
    /// The terminal size to start the process at.
    pub size: WindowSize,
}

/// Debug output hides the token: a hello is the kind of thing that gets logged.
impl fmt::Debug for Hello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hello")
            .field(
                "auth_token",
                &format_args!("<{} bytes redacted>", self.auth_token.len()),
            )
            .field("size", &self.size)
            .finish()
    }
}

#[derive(Deserialize)]
struct HelloIn {
    #[serde(rename = "AuthToken", default)]
    auth_token: Option<String>,
    #[serde(default)]
    columns: Option<Number>,
    #[serde(default)]
    rows: Option<Number>,
}

#[derive(Serialize)]
struct HelloOut<'a> {
    #[serde(rename = "AuthToken")]
    auth_token: &'a str,
    columns: u16,
    rows: u16,
}

#[derive(Deserialize)]
struct ResizeIn {
    #[serde(default)]
    columns: Option<Number>,
    #[serde(default)]
    rows: Option<Number>,
}

#[derive(Serialize)]
struct ResizeOut {
    columns: u16,
    rows: u16,
}

/// Decodes one client → server WebSocket message (binary or text frame alike:
/// ttyd does not look at the opcode).
///
/// Errors: [`ProtocolError::EmptyFrame`]; [`ProtocolError::UnknownCommand`]
/// for a first byte other than `'{'`, `'0'`–`'3'` (including the raw bytes
/// 0x00–0x03 that some clients wrongly send); for a hello, the JSON errors
/// described on [`Hello`]; for a resize, those below.
///
/// RESIZE rules: the payload must be a JSON object of at most
/// [`MAX_JSON_LEN`](crate::MAX_JSON_LEN) bytes with **both** `columns` and
/// `rows` as integers in `1..=WindowSize::MAX`; unknown keys are ignored.
/// **Stricter than ttyd**, which accepts a single key (changing only that
/// dimension), treats a zero as a no-op and wraps negative or huge values to
/// 16 bits: here those are errors – ignoring the message gives the same
/// result as ttyd's no-op for zero.
pub fn decode_client(frame: &[u8]) -> Result<ClientMessage, ProtocolError> {
    let (&cmd, payload) = frame.split_first().ok_or(ProtocolError::EmptyFrame)?;
    match cmd {
        command::JSON_DATA => decode_hello(frame).map(ClientMessage::Hello),
        command::INPUT => Ok(ClientMessage::Input(payload.to_vec())),
        command::RESIZE_TERMINAL => decode_resize(payload).map(ClientMessage::Resize),
        command::PAUSE => Ok(ClientMessage::Pause),
        command::RESUME => Ok(ClientMessage::Resume),
        other => Err(ProtocolError::UnknownCommand(other)),
    }
}

fn decode_hello(frame: &[u8]) -> Result<Hello, ProtocolError> {
    const WHAT: &str = "hello";
    let h: HelloIn = json::parse_object(WHAT, frame)?;
    let dim = |field, n: Option<Number>, default: u16| -> Result<u16, ProtocolError> {
        match n {
            None => Ok(default),
            Some(n) => match dimension(WHAT, field, &n)? {
                0 => Ok(default),
                v => Ok(v),
            },
        }
    };
    let size = WindowSize::new(
        dim("columns", h.columns, WindowSize::DEFAULT.columns())?,
        dim("rows", h.rows, WindowSize::DEFAULT.rows())?,
    )?;
    Ok(Hello {
        auth_token: h.auth_token.unwrap_or_default(),
        size,
    })
}

fn decode_resize(payload: &[u8]) -> Result<WindowSize, ProtocolError> {
    const WHAT: &str = "resize";
    let r: ResizeIn = json::parse_object(WHAT, payload)?;
    let dim = |field, n: Option<Number>| -> Result<u16, ProtocolError> {
        let n = n.ok_or(ProtocolError::MissingField { what: WHAT, field })?;
        match dimension(WHAT, field, &n)? {
            0 => Err(ProtocolError::InvalidSize {
                what: WHAT,
                field,
                value: n.to_string(),
            }),
            v => Ok(v),
        }
    };
    WindowSize::new(dim("columns", r.columns)?, dim("rows", r.rows)?)
}

/// Encodes one client → server message; send it as a **binary** frame (ttyd's
/// page always does, and raw INPUT bytes need not be UTF-8).
///
/// The bytes are what ttyd's page produces (`JSON.stringify` and serde_json
/// agree on key order and escaping here): a hello is
/// `{"AuthToken":"…","columns":80,"rows":24}` with all three keys, a resize is
/// `1{"columns":80,"rows":24}`.
pub fn encode_client(msg: &ClientMessage) -> Vec<u8> {
    match msg {
        ClientMessage::Hello(h) => to_json(
            None,
            &HelloOut {
                auth_token: &h.auth_token,
                columns: h.size.columns(),
                rows: h.size.rows(),
            },
        ),
        ClientMessage::Input(data) => encode_input(data),
        ClientMessage::Resize(size) => to_json(
            Some(command::RESIZE_TERMINAL),
            &ResizeOut {
                columns: size.columns(),
                rows: size.rows(),
            },
        ),
        ClientMessage::Pause => vec![command::PAUSE],
        ClientMessage::Resume => vec![command::RESUME],
    }
}

/// `encode_client(&ClientMessage::Input(data.to_vec()))` without the
/// intermediate copy: `'0'` followed by `data`.
pub fn encode_input(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + data.len());
    out.push(command::INPUT);
    out.extend_from_slice(data);
    out
}

/// `prefix` (if any) followed by the compact JSON of `value`.
pub(crate) fn to_json<T: Serialize + ?Sized>(prefix: Option<u8>, value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend(prefix);
    // Writing to a Vec cannot fail, and the values serialized by this crate
    // (plain structs, strings, integers, serde_json maps) have no failing
    // Serialize impl.
    serde_json::to_writer(&mut out, value).expect("serializing to a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_debug_hides_token() {
        let h = Hello {
            auth_token: "c2VjcmV0OnNlY3JldA==".into(),
            size: WindowSize::DEFAULT,
        };
        let shown = format!("{:?}", ClientMessage::Hello(h));
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(shown.contains("<20 bytes redacted>"), "{shown}");
    }
}
