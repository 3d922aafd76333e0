//! The one error type of the crate.

use std::fmt;

/// Why a message could not be decoded (or a size could not be built).
///
/// Every variant names the message kind involved (`what`: `"hello"`,
/// `"resize"`, `"preferences"`, `"window title"`) so that a log line is
/// meaningful on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A zero-length message. ttyd reads byte 0 unconditionally, so an empty
    /// message is never valid (ttyd-protocol.md §3).
    #[error("empty message: every ttyd message starts with a command byte")]
    EmptyFrame,

    /// The first byte is not a command of this direction. ttyd logs and
    /// ignores such messages; the connection stays up.
    #[error("unknown command byte {}", ShowByte(*.0))]
    UnknownCommand(u8),

    /// A JSON payload or title longer than its limit
    /// ([`MAX_JSON_LEN`](crate::MAX_JSON_LEN), [`MAX_TITLE_LEN`](crate::MAX_TITLE_LEN)).
    #[error("{what} is {len} bytes, over the limit of {max} bytes")]
    TooLarge {
        /// Which message.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// The JSON payload is not valid JSON, not an object, has a field of the
    /// wrong type, has duplicate known fields, has trailing data, contains
    /// invalid UTF-8 or is nested too deeply.
    #[error("invalid JSON in {what}: {reason}")]
    InvalidJson {
        /// Which message.
        what: &'static str,
        /// What the JSON parser said.
        reason: String,
    },

    /// A field this crate requires is absent (only RESIZE's `columns`/`rows`).
    #[error("{what} has no \"{field}\" field")]
    MissingField {
        /// Which message.
        what: &'static str,
        /// The missing key.
        field: &'static str,
    },

    /// A window dimension that is not an integer in `1..=WindowSize::MAX`
    /// (a hello may also give 0, meaning "default").
    #[error(
        "invalid {field} in {what}: {value} is not an integer from 1 to {max}",
        max = crate::WindowSize::MAX
    )]
    InvalidSize {
        /// Which message (`"hello"`, `"resize"` or `"window size"` for
        /// [`WindowSize::new`](crate::WindowSize::new)).
        what: &'static str,
        /// `"columns"` or `"rows"`.
        field: &'static str,
        /// The offending value as it appeared (JSON number text).
        value: String,
    },
}

/// Renders a command byte as `0x35 ('5')`, or just `0x05` when unprintable.
struct ShowByte(u8);

impl fmt::Display for ShowByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b.is_ascii_graphic() {
            write!(f, "0x{b:02x} ('{}')", char::from(b))
        } else {
            write!(f, "0x{b:02x}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_messages() {
        assert_eq!(
            ProtocolError::EmptyFrame.to_string(),
            "empty message: every ttyd message starts with a command byte"
        );
        assert_eq!(
            ProtocolError::UnknownCommand(b'5').to_string(),
            "unknown command byte 0x35 ('5')"
        );
        assert_eq!(
            ProtocolError::UnknownCommand(0).to_string(),
            "unknown command byte 0x00"
        );
        assert_eq!(
            ProtocolError::TooLarge {
                what: "hello",
                len: 70000,
                max: 65536
            }
            .to_string(),
            "hello is 70000 bytes, over the limit of 65536 bytes"
        );
        assert_eq!(
            ProtocolError::MissingField {
                what: "resize",
                field: "rows"
            }
            .to_string(),
            "resize has no \"rows\" field"
        );
        assert_eq!(
            ProtocolError::InvalidSize {
                what: "resize",
                field: "columns",
                value: "-1".into()
            }
            .to_string(),
            "invalid columns in resize: -1 is not an integer from 1 to 4096"
        );
        assert_eq!(
            ProtocolError::InvalidJson {
                what: "preferences",
                reason: "expected a JSON object".into()
            }
            .to_string(),
            "invalid JSON in preferences: expected a JSON object"
        );
    }
}
