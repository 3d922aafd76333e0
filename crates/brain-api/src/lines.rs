//! Splits a byte stream into lines however the reads cut it: a line may arrive in pieces, a
//! UTF-8 character may straddle two reads. Pure, no I/O: the server reads Ollama's NDJSON and
//! server-sent events with it (`workbench-llm`), the browser the Brain's answer stream.

/// A line longer than the decoder's bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTooLong {
    pub max: usize,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line is longer than {} bytes", self.max)
    }
}

impl std::error::Error for LineTooLong {}

/// Cuts a byte stream into lines. Lines come out without their `\n` (or `\r\n`); blank
/// lines are kept so the SSE reader can see event boundaries ([`Self::push`] callers that
/// do not care skip them). Bytes are not checked for UTF-8 here: the JSON parser does that.
#[derive(Debug)]
pub struct LineDecoder {
    buf: Vec<u8>,
    max: usize,
    failed: bool,
}

impl LineDecoder {
    pub fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            max: max_line.max(1),
            failed: false,
        }
    }

    /// The longest line it takes.
    pub fn max_line(&self) -> usize {
        self.max
    }

    /// Feeds bytes; returns the lines they complete. After an error the decoder stays failed:
    /// the stream cannot be re-synchronised safely.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, LineTooLong> {
        if self.failed {
            return Err(LineTooLong { max: self.max });
        }
        let mut lines = Vec::new();
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(pos);
            self.buf.extend_from_slice(head);
            let line = self.take_line();
            if line.len() > self.max {
                return Err(self.fail());
            }
            lines.push(line);
            rest = &tail[1..];
        }
        self.buf.extend_from_slice(rest);
        // One byte of slack for a `\r` that belongs to the line ending.
        if self.buf.len() > self.max + 1
            || (self.buf.len() > self.max && !self.buf.ends_with(b"\r"))
        {
            return Err(self.fail());
        }
        Ok(lines)
    }

    /// The end of the stream: a last line without `\n` still counts.
    pub fn finish(&mut self) -> Result<Option<Vec<u8>>, LineTooLong> {
        if self.failed {
            return Err(LineTooLong { max: self.max });
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        let line = self.take_line();
        if line.len() > self.max {
            return Err(self.fail());
        }
        Ok(Some(line))
    }

    fn take_line(&mut self) -> Vec<u8> {
        let mut line = std::mem::take(&mut self.buf);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        line
    }

    fn fail(&mut self) -> LineTooLong {
        self.failed = true;
        self.buf = Vec::new();
        LineTooLong { max: self.max }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(chunks: &[&[u8]], max: usize) -> Result<Vec<Vec<u8>>, LineTooLong> {
        let mut d = LineDecoder::new(max);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(d.push(c)?);
        }
        out.extend(d.finish()?);
        Ok(out)
    }

    #[test]
    fn crlf_blank_and_last_line_without_newline() {
        let lines = decode_all(&[b"a\r\n\nb", b"c\r", b"\nd"], 16).expect("decodes");
        assert_eq!(
            lines,
            vec![b"a".to_vec(), vec![], b"bc".to_vec(), b"d".to_vec()]
        );
    }

    #[test]
    fn a_utf8_character_split_across_reads_survives() {
        let text = "naïve → ok\n".as_bytes();
        let mut d = LineDecoder::new(100);
        let mut lines = Vec::new();
        for b in text {
            lines.extend(d.push(&[*b]).expect("fits"));
        }
        assert_eq!(lines, vec!["naïve → ok".as_bytes().to_vec()]);
    }

    #[test]
    fn oversize_line_is_an_error_and_stays_one() {
        let mut d = LineDecoder::new(4);
        assert_eq!(d.push(b"1234\n").expect("fits"), vec![b"1234".to_vec()]);
        assert_eq!(
            d.push(b"1234\r\n").expect("fits with CRLF"),
            vec![b"1234".to_vec()]
        );
        assert!(d.push(b"123").is_ok());
        assert_eq!(d.push(b"45"), Err(LineTooLong { max: 4 }));
        assert!(d.push(b"\n").is_err());
        assert!(d.finish().is_err());
        assert!(decode_all(&[b"12345\n"], 4).is_err());
        assert!(decode_all(&[b"12345"], 4).is_err());
        assert_eq!(
            LineTooLong { max: 4 }.to_string(),
            "a line is longer than 4 bytes"
        );
    }

    proptest! {
        #[test]
        fn any_split_decodes_the_same(
            lines in proptest::collection::vec("[^\n\r]{0,40}", 0..20),
            crlf in any::<bool>(),
            trailing in any::<bool>(),
            piece in 1usize..64,
        ) {
            let sep = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(sep);
            if trailing && !lines.is_empty() {
                text.push_str(sep);
            }
            let whole = decode_all(&[text.as_bytes()], 1 << 20).expect("whole");
            let pieces: Vec<&[u8]> = text.as_bytes().chunks(piece).collect();
            let split = decode_all(&pieces, 1 << 20).expect("split");
            prop_assert_eq!(&whole, &split);
            let mut expected: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
            if !trailing && expected.last().is_some_and(|l| l.is_empty()) {
                expected.pop();
            }
            prop_assert_eq!(whole, expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..2000),
            piece in 1usize..64,
            max in 1usize..64,
        ) {
            let pieces: Vec<&[u8]> = bytes.chunks(piece).collect();
            let _ = decode_all(&pieces, max);
        }

        #[test]
        fn lines_never_exceed_the_bound(
            bytes in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'x')], 0..400),
            max in 1usize..32,
        ) {
            if let Ok(lines) = decode_all(&[&bytes], max) {
                prop_assert!(lines.iter().all(|l| l.len() <= max));
            }
        }
    }
}
