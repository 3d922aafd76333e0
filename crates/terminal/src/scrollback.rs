//! The bounded ring of recent output a session replays to a reattaching client.

use std::collections::VecDeque;

#[derive(Debug)]
pub struct Scrollback {
    buf: VecDeque<u8>,
    capacity: usize,
    /// Older output was dropped to make room.
    truncated: bool,
}

impl Scrollback {
    pub fn new(capacity: usize) -> Self {
        Self {
            buf: VecDeque::with_capacity(capacity.min(64 * 1024)),
            capacity,
            truncated: false,
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        let data = if data.len() > self.capacity {
            self.truncated = true;
            &data[data.len() - self.capacity..]
        } else {
            data
        };
        let overflow = (self.buf.len() + data.len()).saturating_sub(self.capacity);
        if overflow > 0 {
            self.truncated = true;
            self.buf.drain(..overflow);
        }
        self.buf.extend(data);
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// What to replay. When older output was dropped, the replay starts after the first
    /// line break, so it does not begin inside a character or an escape sequence.
    pub fn snapshot(&self) -> Vec<u8> {
        let (a, b) = self.buf.as_slices();
        let mut out = Vec::with_capacity(self.buf.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b);
        if self.truncated
            && let Some(nl) = out.iter().position(|&c| c == b'\n')
        {
            out.drain(..=nl);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_bytes() {
        let mut s = Scrollback::new(10);
        s.push(b"hello ");
        assert_eq!(s.snapshot(), b"hello ");
        s.push(b"world\nabc");
        assert_eq!(s.len(), 10);
        assert_eq!(
            s.snapshot(),
            b"abc",
            "starts after the first newline once truncated"
        );
        s.push(b"0123456789ABCDEF");
        assert_eq!(s.len(), 10);
        assert_eq!(s.snapshot(), b"6789ABCDEF");
    }

    #[test]
    fn never_exceeds_capacity() {
        let mut s = Scrollback::new(4096);
        for i in 0..10_000u32 {
            s.push(&i.to_le_bytes().repeat((i % 50) as usize));
            assert!(s.len() <= 4096);
        }
    }
}
