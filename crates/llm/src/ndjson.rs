//! Framing of the model server's streams: newline-delimited lines (Ollama's NDJSON) and
//! server-sent events (the OpenAI-compatible API) out of bytes that arrive in any split.
//! Pure: no I/O, so the property tests drive it with every split they like.

/// Lines longer than this are refused: a model server never sends one, a hostile one might.
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;

pub use workbench_brain_api::{LineDecoder, LineTooLong};

/// One server-sent event's `data` (the only field the OpenAI-compatible API uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub data: String,
}

/// Server-sent events over [`LineDecoder`] (the one line splitter, from
/// `workbench-brain-api`, that the browser uses too): `data:` lines joined with `\n`, dispatched at a
/// blank line (or at the end of the stream); comments and other fields are ignored.
#[derive(Debug)]
pub struct SseDecoder {
    lines: LineDecoder,
    data: Option<String>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE)
    }
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
            if data.len() + value.len() > self.lines.max_line() {
                return Err(SseError::TooLong(LineTooLong {
                    max: self.lines.max_line(),
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
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..2000),
            points in proptest::collection::vec(any::<usize>(), 0..20),
            max in 1usize..64,
        ) {
            let mut sse = SseDecoder::new(max);
            for c in split_at_points(&bytes, points) {
                if sse.push(c).is_err() { break; }
            }
            let _ = sse.finish();
        }
    }
}
