//! Terminal window size, validated.

use serde_json::Number;

use crate::ProtocolError;

/// A terminal size in character cells: `columns` × `rows`, each in
/// `1..=WindowSize::MAX`.
///
/// The fields are private so that every `WindowSize` is valid: one that
/// [`encode_client`](crate::encode_client) writes always decodes again.
///
/// **Stricter than ttyd.** ttyd casts whatever `json_object_get_int` returns
/// to an unsigned 16-bit number, so -1 becomes 65535 and 70000 becomes 4464,
/// and a zero turns the resize into a no-op (ttyd-protocol.md §4). Here zero
/// (outside the hello, see [`Hello`](crate::Hello)), negative, fractional and
/// larger-than-[`MAX`](Self::MAX) values are **errors**, never clamped or
/// wrapped: a client that sends them is broken, and silently resizing a pty to
/// a wrapped-around size is worse than ignoring the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowSize {
    columns: u16,
    rows: u16,
}

impl WindowSize {
    /// Largest accepted value for either dimension.
    ///
    /// A pty accepts up to 65 535, but 4096 cells is more than an 8K screen
    /// shows at a 2-pixel-wide font; anything larger would only make a
    /// server-side screen model allocate absurd grids.
    pub const MAX: u16 = 4096;

    /// What ttyd uses when the hello gives no (or a zero) size: 80 × 24
    /// (ttyd-protocol.md §4, `pty.c` defaults).
    pub const DEFAULT: WindowSize = WindowSize {
        columns: 80,
        rows: 24,
    };

    /// A size of `columns` × `rows`; both must be in `1..=MAX`.
    pub fn new(columns: u16, rows: u16) -> Result<Self, ProtocolError> {
        let check = |field, v: u16| {
            if (1..=Self::MAX).contains(&v) {
                Ok(v)
            } else {
                Err(ProtocolError::InvalidSize {
                    what: "window size",
                    field,
                    value: v.to_string(),
                })
            }
        };
        Ok(Self {
            columns: check("columns", columns)?,
            rows: check("rows", rows)?,
        })
    }

    /// Width in character cells.
    pub fn columns(self) -> u16 {
        self.columns
    }

    /// Height in character cells.
    pub fn rows(self) -> u16 {
        self.rows
    }
}

impl Default for WindowSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Checks one JSON dimension: `Ok(0)` for zero, `Ok(v)` for `1..=MAX`, an
/// [`ProtocolError::InvalidSize`] for anything else (negative, fractional,
/// too large).
pub(crate) fn dimension(
    what: &'static str,
    field: &'static str,
    n: &Number,
) -> Result<u16, ProtocolError> {
    match n.as_u64().and_then(|v| u16::try_from(v).ok()) {
        Some(v) if v <= WindowSize::MAX => Ok(v),
        _ => Err(ProtocolError::InvalidSize {
            what,
            field,
            value: n.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_bounds() {
        assert!(WindowSize::new(1, 1).is_ok());
        assert!(WindowSize::new(WindowSize::MAX, WindowSize::MAX).is_ok());
        assert!(WindowSize::new(0, 24).is_err());
        assert!(WindowSize::new(80, 0).is_err());
        assert!(WindowSize::new(WindowSize::MAX + 1, 24).is_err());
        assert_eq!(WindowSize::default(), WindowSize::DEFAULT);
        assert_eq!(
            (WindowSize::DEFAULT.columns(), WindowSize::DEFAULT.rows()),
            (80, 24)
        );
    }
}
