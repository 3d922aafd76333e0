//! Markdown-aware chunking: a document is cut into byte ranges that tile it exactly, at
//! block boundaries, never inside a code block, each tagged with its heading path and the
//! anchor the rendered page gives that heading.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use sha2::{Digest, Sha256};
use workbench_content::render::heading_id;

/// Bumped whenever chunk boundaries or the embedded text change, so every vector is redone.
pub const CHUNKER_VERSION: u32 = 1;

/// A chunk grows to about this many bytes; a block that would pass it starts a new chunk.
pub const MAX_CHUNK: usize = 1_500;
/// Below this a chunk takes the next block even across a soft limit.
const MIN_CHUNK: usize = 300;

/// What separates the parts of a heading path, as shown to people.
pub const PATH_SEP: &str = " › ";

/// One piece of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Byte range in the document's Markdown; the ranges of a document tile it.
    pub range: Range<usize>,
    /// Heading path inside the document, e.g. `Volumes › Bind mounts`.
    pub heading: String,
    /// The rendered page's `id` of the innermost heading (empty before the first one).
    pub anchor: String,
}

/// Same options as the Resources renderer, so heading ids (incl. `{#id}`) agree.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

enum BlockKind {
    Heading {
        level: usize,
        text: String,
        id: String,
    },
    /// Never split.
    Code,
    Other,
}

struct Block {
    range: Range<usize>,
    kind: BlockKind,
}

/// Top-level blocks, heading ids assigned in document order exactly as the renderer does
/// (nested headings consume ids too), and every code block's range at any depth.
fn blocks(markdown: &str) -> (Vec<Block>, Vec<Range<usize>>) {
    let mut out = Vec::new();
    let mut code = Vec::new();
    let mut used = HashSet::new();
    let mut depth = 0usize;
    let mut parser = Parser::new_ext(markdown, options()).into_offset_iter();
    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let mut text = String::new();
                for (e, _) in parser.by_ref() {
                    match e {
                        Event::End(TagEnd::Heading(_)) => break,
                        Event::Text(t) | Event::Code(t) => text.push_str(&t),
                        _ => {}
                    }
                }
                let text = text.trim().to_string();
                let id = heading_id(id.as_deref(), &text, &mut used);
                if depth == 0 {
                    out.push(Block {
                        range,
                        kind: BlockKind::Heading {
                            level: level as usize,
                            text,
                            id,
                        },
                    });
                }
            }
            Event::Start(Tag::CodeBlock(_)) => {
                code.push(range.clone());
                for (e, _) in parser.by_ref() {
                    if matches!(e, Event::End(TagEnd::CodeBlock)) {
                        break;
                    }
                }
                if depth == 0 {
                    out.push(Block {
                        range,
                        kind: BlockKind::Code,
                    });
                }
            }
            Event::Start(_) => {
                if depth == 0 {
                    out.push(Block {
                        range,
                        kind: BlockKind::Other,
                    });
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            // Leaf events at the top (rules, HTML blocks) are blocks of their own.
            _ if depth == 0 => out.push(Block {
                range,
                kind: BlockKind::Other,
            }),
            _ => {}
        }
    }
    (out, code)
}

struct Builder<'a> {
    markdown: &'a str,
    code: &'a [Range<usize>],
    chunks: Vec<Chunk>,
    /// Start of the chunk being built.
    start: usize,
    has_body: bool,
    path: Vec<(usize, String, String)>,
}

impl Builder<'_> {
    fn heading(&self) -> String {
        self.path
            .iter()
            .map(|(_, t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(PATH_SEP)
    }

    fn anchor(&self) -> String {
        self.path
            .last()
            .map(|(_, _, id)| id.clone())
            .unwrap_or_default()
    }

    /// Ends the current chunk at `at` (a block boundary) if it has any text.
    fn cut(&mut self, at: usize) {
        if at <= self.start {
            return;
        }
        let chunk = Chunk {
            range: self.start..at,
            heading: self.heading(),
            anchor: self.anchor(),
        };
        self.chunks.push(chunk);
        self.start = at;
        self.has_body = false;
    }

    fn len_to(&self, at: usize) -> usize {
        at.saturating_sub(self.start)
    }

    fn inside_code(&self, at: usize) -> bool {
        self.code.iter().any(|r| r.start < at && at < r.end)
    }

    /// An over-long block that is not code: cut at line ends (never inside a nested code
    /// block), and a line longer than a chunk at a space or, failing that, a char boundary.
    fn split_long(&mut self, range: Range<usize>) {
        let mut at = range.start;
        while range.end - self.start > MAX_CHUNK {
            let limit = self.start + MAX_CHUNK;
            let hi = floor_char(self.markdown, limit);
            let base = at.min(hi);
            let window = &self.markdown[base..hi];
            let cut = window
                .rmatch_indices('\n')
                .map(|(i, _)| base + i + 1)
                .find(|&c| c > self.start && !self.inside_code(c))
                .or_else(|| {
                    window
                        .rmatch_indices(' ')
                        .map(|(i, _)| base + i + 1)
                        .find(|&c| c > self.start && !self.inside_code(c))
                });
            let cut = match cut {
                Some(c) => c,
                None => {
                    // No line or space to cut at: the next code block's end, or a char
                    // boundary past the limit when not inside code.
                    match self.code.iter().find(|r| r.start < limit && limit < r.end) {
                        Some(r) => r.end,
                        None => ceil_char(self.markdown, limit.max(self.start + 1)),
                    }
                }
            };
            if cut >= range.end {
                break;
            }
            self.has_body = true;
            self.cut(cut);
            at = cut;
        }
        self.has_body = true;
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Cuts `markdown` into chunks whose ranges tile it from 0 to its length.
pub fn chunk(markdown: &str) -> Vec<Chunk> {
    let (blocks, code) = blocks(markdown);
    let mut b = Builder {
        markdown,
        code: &code,
        chunks: Vec::new(),
        start: 0,
        has_body: false,
        path: Vec::new(),
    };
    for block in blocks {
        let at = block.range.start.max(b.start);
        match block.kind {
            BlockKind::Heading { level, text, id } => {
                if b.has_body {
                    b.cut(at);
                }
                while b.path.last().is_some_and(|(l, _, _)| *l >= level) {
                    b.path.pop();
                }
                b.path.push((level, text, id));
            }
            BlockKind::Code => {
                if b.has_body && b.len_to(block.range.end) > MAX_CHUNK && b.len_to(at) >= MIN_CHUNK
                {
                    b.cut(at);
                }
                b.has_body = true;
            }
            BlockKind::Other => {
                if b.has_body && b.len_to(block.range.end) > MAX_CHUNK && b.len_to(at) >= MIN_CHUNK
                {
                    b.cut(at);
                }
                if b.len_to(block.range.end) > MAX_CHUNK {
                    b.split_long(at..block.range.end);
                } else {
                    b.has_body = true;
                }
            }
        }
    }
    b.cut(markdown.len());
    if b.chunks.is_empty() {
        // An empty document still has one (empty) chunk so it is listed.
        b.chunks.push(Chunk {
            range: 0..0,
            heading: String::new(),
            anchor: String::new(),
        });
    }
    b.chunks
}

/// The text the model embeds for a chunk: where it sits, then what it says.
pub fn embed_text(title: &str, heading: &str, body: &str) -> String {
    let mut s = String::with_capacity(title.len() + heading.len() + body.len() + 8);
    s.push_str(title);
    if !heading.is_empty() {
        s.push_str(PATH_SEP);
        s.push_str(heading);
    }
    s.push_str("\n\n");
    s.push_str(body.trim());
    s
}

/// A chunk's key: what it embeds and how it was cut. Together with the generation (the
/// model and its dimension) it names one vector.
pub fn chunk_hash(embedded: &str) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(CHUNKER_VERSION.to_le_bytes());
    h.update(embedded.as_bytes());
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_tiling(md: &str, chunks: &[Chunk]) {
        let mut at = 0;
        for c in chunks {
            assert_eq!(c.range.start, at, "chunks must tile the text");
            assert!(md.is_char_boundary(c.range.start) && md.is_char_boundary(c.range.end));
            at = c.range.end;
        }
        assert_eq!(at, md.len());
        let joined: String = chunks.iter().map(|c| &md[c.range.clone()]).collect();
        assert_eq!(joined, md);
    }

    fn check_code_whole(md: &str, chunks: &[Chunk]) {
        let (_, code) = blocks(md);
        for r in code {
            assert!(
                chunks
                    .iter()
                    .any(|c| c.range.start <= r.start && r.end <= c.range.end),
                "code block {r:?} split in {md:?}"
            );
        }
    }

    #[test]
    fn headings_give_path_and_rendered_ids() {
        let md = "Intro text.\n\n# Guide\n\nSome text.\n\n## Volumes\n\nMore.\n\n### Bind mounts {#binds}\n\nDetail.\n\n## Volumes\n\nAgain.\n";
        let chunks = chunk(md);
        check_tiling(md, &chunks);
        let got: Vec<(&str, &str)> = chunks
            .iter()
            .map(|c| (c.heading.as_str(), c.anchor.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("", ""),
                ("Guide", "guide"),
                ("Guide › Volumes", "volumes"),
                ("Guide › Volumes › Bind mounts", "binds"),
                ("Guide › Volumes", "volumes-1"),
            ]
        );
        // The renderer agrees on every id.
        let rendered = workbench_content::render::render(md, 1);
        for c in &chunks {
            if !c.anchor.is_empty() {
                assert!(rendered.anchors.contains(&c.anchor), "{}", c.anchor);
            }
        }
    }

    #[test]
    fn long_sections_are_bounded_and_code_is_whole() {
        let para = "word ".repeat(60);
        let code = format!("```rust\n{}```\n", "let x = 1;\n".repeat(300));
        let md = format!(
            "## A\n\n{p}\n\n{p}\n\n{p}\n\n{p}\n\n{p}\n\n{p}\n\n{code}\n{p}\n",
            p = para.trim()
        );
        let chunks = chunk(&md);
        check_tiling(&md, &chunks);
        check_code_whole(&md, &chunks);
        for c in &chunks {
            let len = c.range.len();
            assert!(
                len <= MAX_CHUNK || md[c.range.clone()].contains("```"),
                "{len}"
            );
            assert_eq!(c.heading, "A");
        }
        assert!(chunks.len() >= 3);
    }

    #[test]
    fn one_huge_line_is_cut_at_char_boundaries() {
        let md = "é".repeat(5_000);
        let chunks = chunk(&md);
        check_tiling(&md, &chunks);
        assert!(chunks.len() > 3);
        let md = "ab ".repeat(3_000);
        check_tiling(&md, &chunk(&md));
    }

    #[test]
    fn empty_and_whitespace_documents() {
        assert_eq!(chunk("").len(), 1);
        let md = "\n\n   \n";
        check_tiling(md, &chunk(md));
    }

    #[test]
    fn hash_depends_on_text_and_version() {
        assert_eq!(chunk_hash("a"), chunk_hash("a"));
        assert_ne!(chunk_hash("a"), chunk_hash("b"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn arbitrary_markdown_tiles_and_keeps_code(md in "(?s).{0,3000}") {
            let chunks = chunk(&md);
            check_tiling(&md, &chunks);
            check_code_whole(&md, &chunks);
        }

        #[test]
        fn markdownish_input_tiles_and_keeps_code(
            parts in proptest::collection::vec(
                prop_oneof![
                    "#{1,6} [a-z ]{0,20}( \\{#[a-z]{1,5}\\})?\n",
                    "```[a-z]{0,4}\n([a-z =;]{0,80}\n){0,40}```\n",
                    "~~~\n[a-z\n]{0,200}",
                    "([a-zé ]{1,120}\n){1,20}\n",
                    "(- [a-z ]{1,60}\n){1,30}\n",
                    "> [a-z ]{0,200}\n\n",
                    "    [a-z ]{0,100}\n",
                    "\\| a \\| b \\|\n\\|---\\|---\\|\n(\\| [a-z]{0,9} \\| [0-9]{0,9} \\|\n){0,20}\n",
                    "- item\n\n  ```\n  [a-z\n]{0,300}\n  ```\n",
                ],
                0..40,
            )
        ) {
            let md: String = parts.concat();
            let chunks = chunk(&md);
            check_tiling(&md, &chunks);
            check_code_whole(&md, &chunks);
        }
    }
}
