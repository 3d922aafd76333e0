//! The WebSocket close frame at the end of a session (ttyd-protocol.md §9).

use std::fmt;

/// A close frame's reason is at most 123 bytes: the control-frame payload is
/// limited to 125 bytes, two of which are the code (RFC 6455 §5.5).
pub const MAX_CLOSE_REASON_LEN: usize = 123;

/// The close codes this protocol uses (RFC 6455 §7.4.1).
pub mod close_code {
    /// Normal end: the process exited with status 0. ttyd's page does **not**
    /// reconnect after this code, and does after any other.
    pub const NORMAL: u16 = 1000;
    /// The peer sent something that is not this protocol (e.g. a hello that
    /// does not decode).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// ttyd's answer to a wrong `AuthToken` in the hello.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// The process failed (non-zero status or a signal), or the server did.
    /// ttyd 1.6.x used it for a failed exit; 1.7.x uses 1006, which RFC 6455
    /// forbids in a close frame (ttyd issue #1395), so we do not.
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// How the process behind a session ended, independent of the platform's
/// `ExitStatus` (so that this crate also builds for WASM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// It exited with this status code.
    Exited(i32),
    /// It was killed by this signal number.
    Signaled(i32),
    /// The status could not be obtained.
    Unknown,
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Exited(code) => write!(f, "exit status {code}"),
            ExitStatus::Signaled(sig) => write!(f, "killed by signal {sig}"),
            ExitStatus::Unknown => f.write_str("exit status unknown"),
        }
    }
}

/// On Unix a signal wins over a code; elsewhere only the code is known.
impl From<std::process::ExitStatus> for ExitStatus {
    fn from(status: std::process::ExitStatus) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(sig) = status.signal() {
                return ExitStatus::Signaled(sig);
            }
        }
        match status.code() {
            Some(code) => ExitStatus::Exited(code),
            None => ExitStatus::Unknown,
        }
    }
}

/// A close code and a reason of at most [`MAX_CLOSE_REASON_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    code: u16,
    reason: String,
}

impl CloseFrame {
    /// A close frame with `code` and `reason`, the reason cut at a character
    /// boundary to at most [`MAX_CLOSE_REASON_LEN`] bytes. (The code is not
    /// checked; use one of [`close_code`].)
    pub fn new(code: u16, reason: &str) -> Self {
        let mut end = reason.len().min(MAX_CLOSE_REASON_LEN);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        Self {
            code,
            reason: reason[..end].to_owned(),
        }
    }

    /// The close code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The reason, at most [`MAX_CLOSE_REASON_LEN`] bytes of UTF-8.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The close frame to send when the session's process has ended: code 1000
/// with reason `"exit status 0"` for a zero exit, otherwise 1011 with
/// `"exit status N"`, `"killed by signal N"` or `"exit status unknown"`.
///
/// Send it only after the last OUTPUT has been flushed (ttyd loses it,
/// ttyd-protocol.md §9).
pub fn close_for_exit(status: ExitStatus) -> CloseFrame {
    let code = match status {
        ExitStatus::Exited(0) => close_code::NORMAL,
        _ => close_code::INTERNAL_ERROR,
    };
    CloseFrame::new(code, &status.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_at_char_boundary() {
        let long = "é".repeat(100); // 200 bytes, 2 per char
        let f = CloseFrame::new(close_code::INTERNAL_ERROR, &long);
        assert_eq!(f.reason().len(), 122);
        assert!(f.reason().chars().all(|c| c == 'é'));
        let ascii = "x".repeat(500);
        assert_eq!(CloseFrame::new(1000, &ascii).reason().len(), 123);
        assert_eq!(CloseFrame::new(1000, "short").reason(), "short");
    }
}
