//! Splits a byte stream into lines however the reads cut it: a line may arrive in pieces,
//! a UTF-8 character may straddle two reads. Both the server (reading Ollama) and the
//! browser (reading the answer stream) use it.

/// A line longer than the bound the splitter was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub limit: usize,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line longer than {} bytes", self.limit)
    }
}

impl std::error::Error for LineError {}

#[derive(Debug)]
pub struct LineSplitter {
    buf: Vec<u8>,
    limit: usize,
}

impl LineSplitter {
    pub fn new(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            limit,
        }
    }

    /// Feeds bytes; returns the complete lines they finish (without `\n` or `\r\n`, empty
    /// lines skipped), lossily decoded as UTF-8.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, LineError> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.take(&rest[..i])?;
            self.emit(&mut out);
            rest = &rest[i + 1..];
        }
        self.take(rest)?;
        Ok(out)
    }

    /// The last line when the stream ended without a newline.
    pub fn finish(&mut self) -> Option<String> {
        let mut out = Vec::new();
        self.emit(&mut out);
        out.pop()
    }

    fn take(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        if self.buf.len() + bytes.len() > self.limit {
            self.buf.clear();
            return Err(LineError { limit: self.limit });
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn emit(&mut self, out: &mut Vec<String>) {
        let mut line = std::mem::take(&mut self.buf);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let line = String::from_utf8_lossy(&line);
        if !line.trim().is_empty() {
            out.push(line.into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn joins_pieces_and_splits_lines() {
        let mut s = LineSplitter::new(100);
        assert_eq!(s.push(b"{\"a\":").unwrap(), Vec::<String>::new());
        assert_eq!(s.push(b"1}\n\n{\"b\"").unwrap(), vec!["{\"a\":1}"]);
        assert_eq!(s.push(b":2}\r\n").unwrap(), vec!["{\"b\":2}"]);
        assert_eq!(s.push("é".as_bytes()).unwrap(), Vec::<String>::new());
        assert_eq!(s.finish().as_deref(), Some("é"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn a_utf8_character_split_across_reads_survives() {
        let text = "naïve → ok\n".as_bytes();
        let mut s = LineSplitter::new(100);
        let mut lines = Vec::new();
        for b in text {
            lines.extend(s.push(&[*b]).unwrap());
        }
        assert_eq!(lines, vec!["naïve → ok"]);
    }

    #[test]
    fn an_oversized_line_is_an_error_and_the_next_line_still_reads() {
        let mut s = LineSplitter::new(8);
        assert_eq!(s.push(b"0123456789"), Err(LineError { limit: 8 }));
        assert_eq!(s.push(b"\nok\n").unwrap(), vec!["ok"]);
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_lines(lines in proptest::collection::vec("[^\n\r]{1,40}", 0..8), cuts in proptest::collection::vec(0usize..400, 0..10)) {
            let whole: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let bytes = whole.as_bytes();
            let mut points: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut s = LineSplitter::new(1 << 20);
            let mut got = Vec::new();
            let mut at = 0;
            for p in points.into_iter().chain([bytes.len()]) {
                got.extend(s.push(&bytes[at..p]).unwrap());
                at = p;
            }
            let want: Vec<String> = lines.into_iter().filter(|l| !l.trim().is_empty()).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn arbitrary_bytes_never_panic(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16)) {
            let mut s = LineSplitter::new(100);
            for c in chunks {
                let _ = s.push(&c);
            }
            let _ = s.finish();
        }
    }

    #[test]
    fn every_event_reads_back_through_the_flat_reader() {
        use crate::{AnswerStats, ChatEvent, Citation};
        let c = Citation {
            n: 1,
            title: "T".into(),
            heading: "H".into(),
            url: "/r#h".into(),
            excerpt: "e".into(),
        };
        let events = [
            ChatEvent::Start {
                conversation_id: 7,
                model: Some("m:1b".into()),
            },
            ChatEvent::Start {
                conversation_id: 7,
                model: None,
            },
            ChatEvent::Sources {
                citations: vec![c],
                hybrid: false,
                reason: Some("why".into()),
            },
            ChatEvent::Notice {
                message: "n".into(),
            },
            ChatEvent::Token {
                text: "t".into(),
                html: "<p>t</p>".into(),
            },
            ChatEvent::Done {
                html: "<p>x</p>".into(),
                stats: Some(AnswerStats {
                    tokens: Some(3),
                    tokens_per_s: Some(1.5),
                    total_ms: Some(9),
                }),
            },
            ChatEvent::Error {
                message: "m".into(),
                html: String::new(),
            },
        ];
        for e in events {
            let line = serde_json::to_string(&e).unwrap();
            assert_eq!(ChatEvent::from_line(&line), Some(e), "{line}");
        }
        for bad in [
            "",
            "{}",
            "[]",
            r#"{"type":"start"}"#,
            r#"{"type":"nope"}"#,
            r#"{"type":5}"#,
        ] {
            assert_eq!(ChatEvent::from_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn events_round_trip_as_tagged_json() {
        let e = crate::ChatEvent::Token {
            text: "hi".into(),
            html: "<p>hi</p>".into(),
        };
        let line = serde_json::to_string(&e).unwrap();
        assert!(line.starts_with("{\"type\":\"token\""), "{line}");
        assert_eq!(serde_json::from_str::<crate::ChatEvent>(&line).unwrap(), e);
    }
}
