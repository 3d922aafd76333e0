//! Frame codec for the ttyd web-terminal protocol (ttyd 1.7.x), shared by the
//! Workbench server (axum) and the browser client (Leptos/WASM).
//!
//! # What this crate owns
//!
//! * The **bytes of one WebSocket message**, both ways: [`decode_client`] /
//!   [`encode_client`] for [`ClientMessage`] (hello, INPUT, RESIZE, PAUSE,
//!   RESUME) and [`decode_server`] / [`encode_server`] for [`ServerMessage`]
//!   (OUTPUT, SET_WINDOW_TITLE, SET_PREFERENCES).
//! * The **limits** on what a peer may send: JSON payloads are capped at
//!   [`MAX_JSON_LEN`], titles at [`MAX_TITLE_LEN`], window sizes at
//!   [`WindowSize::MAX`]; every violation is a [`ProtocolError`], never a panic.
//! * The **fixed names** of the protocol: [`SUBPROTOCOL`], [`WS_PATH`],
//!   [`TOKEN_PATH`], the command bytes in [`command`], and the `/token` body
//!   [`TokenResponse`].
//! * The **close frame** for the end of a session: [`close_for_exit`] turns a
//!   process exit status into a legal code and a reason of at most
//!   [`MAX_CLOSE_REASON_LEN`] bytes.
//!
//! It does **not** own I/O, WebSocket framing, compression, timers, session
//! state (e.g. "the first message must be the hello", "ignore a second
//! hello"), authentication decisions or the pty. No async, no tokio; it builds
//! for `wasm32-unknown-unknown`.
//!
//! # Wire format in one paragraph
//!
//! Every message is one WebSocket message (ttyd always sends **binary** frames,
//! and so does its page) whose first byte is an ASCII character naming its
//! type: `'0'`–`'3'` (0x30–0x33) or `'{'` for the client's JSON hello, which is
//! the whole message. There is no length prefix or terminator; a message is
//! exactly one command. See `ttyd-protocol.md` §3–§5 in the shared reference.
//!
//! # Errors and what to do with them
//!
//! Decoding is per message and stateless. ttyd itself ignores messages it does
//! not understand and keeps the connection up; a server that wants to behave
//! like ttyd logs [`ProtocolError`]s for non-hello messages and carries on. An
//! invalid *hello* means no process can be started: close with
//! [`close_code::PROTOCOL_ERROR`] (ttyd's answer to a hello with the wrong
//! token is [`close_code::POLICY_VIOLATION`]).
//!
//! ```
//! use ttyd_protocol::{decode_client, encode_client, ClientMessage, WindowSize};
//!
//! let frame = encode_client(&ClientMessage::Resize(WindowSize::new(120, 40)?));
//! assert_eq!(frame, br#"1{"columns":120,"rows":40}"#);
//! assert_eq!(decode_client(&frame)?, ClientMessage::Resize(WindowSize::new(120, 40)?));
//! # Ok::<(), ttyd_protocol::ProtocolError>(())
//! ```

mod client;
mod close;
mod error;
mod http;
mod json;
mod server;
mod size;

pub use client::{ClientMessage, Hello, decode_client, encode_client, encode_input};
pub use close::{CloseFrame, ExitStatus, MAX_CLOSE_REASON_LEN, close_code, close_for_exit};
pub use error::ProtocolError;
pub use http::{SUBPROTOCOL, TOKEN_CONTENT_TYPE, TOKEN_PATH, TokenResponse, WS_PATH};
pub use server::{Preferences, ServerMessage, decode_server, encode_output, encode_server};
pub use size::WindowSize;

/// Largest JSON payload accepted, in bytes: the whole hello message, the JSON
/// after a RESIZE's `'1'`, the JSON after a SET_PREFERENCES' `'2'`.
///
/// ttyd has no such limit (it buffers any message). A real hello or resize is
/// well under 100 bytes plus the token; 64 KiB leaves room for any token while
/// keeping a hostile peer from making us parse megabytes. Longer payloads are
/// rejected with [`ProtocolError::TooLarge`] before any parsing.
pub const MAX_JSON_LEN: usize = 64 * 1024;

/// Largest SET_WINDOW_TITLE payload accepted by [`decode_server`], in bytes.
///
/// ttyd builds the title as `<command line> (<hostname>)`; 64 KiB is far more
/// than any real title and bounds what a server can make the page hold.
pub const MAX_TITLE_LEN: usize = 64 * 1024;

/// The command bytes, named as in ttyd's `server.h`.
///
/// They are ASCII characters, never the raw values 0–3 (ttyd-protocol.md §3,
/// §10). Client and server numbering overlap: `'0'` is INPUT one way and OUTPUT
/// the other.
pub mod command {
    /// Client → server: the hello; the `'{'` is the first byte of the JSON.
    pub const JSON_DATA: u8 = b'{';
    /// Client → server: keyboard/paste bytes for the pty.
    pub const INPUT: u8 = b'0';
    /// Client → server: JSON `{"columns":C,"rows":R}` follows.
    pub const RESIZE_TERMINAL: u8 = b'1';
    /// Client → server: stop sending output (a no-op in ttyd 1.7.x).
    pub const PAUSE: u8 = b'2';
    /// Client → server: resume sending output.
    pub const RESUME: u8 = b'3';

    /// Server → client: raw pty bytes follow.
    pub const OUTPUT: u8 = b'0';
    /// Server → client: UTF-8 window title follows.
    pub const SET_WINDOW_TITLE: u8 = b'1';
    /// Server → client: JSON object of client preferences follows.
    pub const SET_PREFERENCES: u8 = b'2';
}
