//! Framing of the model server's streams: newline-delimited lines (Ollama's NDJSON) and
//! server-sent events (the OpenAI-compatible API) out of bytes that arrive in any split.
//! Pure: no I/O, so the property tests drive it with every split they like.

/// Lines longer than this are refused: a model server never sends one, a hostile one might.
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a line is longer than {max} bytes")]
pub struct LineTooLong {
    pub max: usize,
}

/// Cuts a byte stream into lines. Lines come out without their `\n` (or `\r\n`); blank
/// lines are kept so the SSE reader can see event boundaries ([`Self::push`] callers that
/// do not care skip them). Bytes are not checked for UTF-8 here: the JSON parser does that.
#[derive(Debug)]
pub struct LineDecoder {
    buf: Vec<u8>,
    max: usize,
    failed: bool,
}

impl Default for LineDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE)
    }
}

impl LineDecoder {
    pub fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            max: max_line.max(1),
            failed: false,
        }
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

/// One server-sent event's `data` (the only field the OpenAI-compatible API uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub data: String,
}

/// Server-sent events over [`LineDecoder`]: `data:` lines joined with `\n`, dispatched at a
/// blank line (or at the end of the stream); comments and other fields are ignored.
#[derive(Debug, Default)]
pub struct SseDecoder {
    lines: LineDecoder,
    data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error(transparent)]
    TooLong(#[from] LineTooLong),
    #[error("an event is not UTF-8")]
    NotUtf8,
}

impl SseDecoder {
    pub fn new(max_line: usize) -> Self {
        Self {
            lines: LineDecoder::new(max_line),
            data: None,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut events = Vec::new();
        for line in self.lines.push(bytes)? {
            self.line(&line, &mut events)?;
        }
        Ok(events)
    }

    pub fn finish(&mut self) -> Result<Vec<SseEvent>, SseError> {
        let mut events = Vec::new();
        if let Some(line) = self.lines.finish()? {
            self.line(&line, &mut events)?;
        }
        if let Some(data) = self.data.take() {
            events.push(SseEvent { data });
        }
        Ok(events)
    }

    fn line(&mut self, line: &[u8], events: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if line.is_empty() {
            if let Some(data) = self.data.take() {
                events.push(SseEvent { data });
            }
            return Ok(());
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if field == "data" {
            let data = self.data.get_or_insert_with(String::new);
            if !data.is_empty() {
                data.push('\n');
            }
            if data.len() + value.len() > self.lines.max {
                return Err(SseError::TooLong(LineTooLong {
                    max: self.lines.max,
                }));
            }
            data.push_str(value);
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
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
    fn oversize_line_is_an_error_and_stays_one() {
        let mut d = LineDecoder::new(4);
        assert_eq!(d.push(b"1234\n").expect("fits"), vec![b"1234".to_vec()]);
        assert_eq!(
            d.push(b"1234\r\n").expect("fits with CRLF"),
            vec![b"1234".to_vec()]
        );
        assert!(d.push(b"123").is_ok());
        assert!(d.push(b"45").is_err());
        assert!(d.push(b"\n").is_err());
        assert!(d.finish().is_err());
        assert!(decode_all(&[b"12345\n"], 4).is_err());
        assert!(decode_all(&[b"12345"], 4).is_err());
    }

    #[test]
    fn sse_events_join_data_lines_and_skip_comments() {
        let mut d = SseDecoder::new(1024);
        let mut ev = d
            .push(b": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\ndata: one\ndata:two\n")
            .expect("decodes");
        ev.extend(d.push(b"\ndata: [DONE]").expect("decodes"));
        ev.extend(d.finish().expect("decodes"));
        let data: Vec<_> = ev.into_iter().map(|e| e.data).collect();
        assert_eq!(data, vec!["{\"a\":1}", "one\ntwo", "[DONE]"]);
    }

    /// `bytes` cut at `points` (taken modulo its length): every test of "any split" uses it.
    pub(crate) fn split_at_points(bytes: &[u8], mut points: Vec<usize>) -> Vec<&[u8]> {
        points.iter_mut().for_each(|p| *p %= bytes.len() + 1);
        points.sort_unstable();
        let mut out = Vec::new();
        let mut last = 0;
        for p in points {
            out.push(&bytes[last..p]);
            last = p;
        }
        out.push(&bytes[last..]);
        out
    }

    proptest! {
        #[test]
        fn any_split_decodes_the_same(
            lines in proptest::collection::vec("[^\n\r]{0,40}", 0..20),
            crlf in any::<bool>(),
            trailing in any::<bool>(),
            points in proptest::collection::vec(any::<usize>(), 0..30),
        ) {
            let sep = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(sep);
            if trailing && !lines.is_empty() {
                text.push_str(sep);
            }
            let whole = decode_all(&[text.as_bytes()], 1 << 20).expect("whole");
            let split = decode_all(&split_at_points(text.as_bytes(), points), 1 << 20).expect("split");
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
            points in proptest::collection::vec(any::<usize>(), 0..20),
            max in 1usize..64,
        ) {
            let _ = decode_all(&split_at_points(&bytes, points.clone()), max);
            let mut sse = SseDecoder::new(max);
            for c in split_at_points(&bytes, points) {
                if sse.push(c).is_err() { break; }
            }
            let _ = sse.finish();
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
