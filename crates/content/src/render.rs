//! Markdown to safe HTML, in one pass that also collects what search and the health check
//! need: headings (for anchors and the table of contents), links, code blocks, plain text.

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::highlight::highlight;

/// A heading in the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TocEntry {
    /// 2 or 3: the levels the table of contents shows.
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A link target as written, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    pub href: String,
    pub line: usize,
}

/// A fenced or indented code block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeBlock {
    /// The whole info string, e.g. `yaml k8s`.
    pub info: String,
    pub code: String,
    /// Line of the first code line, counted within the rendered text.
    pub line: usize,
}

/// The rendered page and what was learned while rendering it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Every heading's text, in order (all levels).
    pub headings: Vec<String>,
    /// Every `id` a link can target: headings and footnotes.
    pub anchors: Vec<String>,
    pub links: Vec<Link>,
    pub code_blocks: Vec<CodeBlock>,
    /// Prose without code blocks, for search.
    pub text: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `markdown`; `first_line` is the line of the file the text starts on.
pub fn render(markdown: &str, first_line: usize) -> Rendered {
    render_with(markdown, first_line, true)
}

/// As [`render`]; without `highlight` code is escaped plain text (the health check does
/// not need colours, and highlighting is most of the rendering time).
pub fn render_with(markdown: &str, first_line: usize, highlight: bool) -> Rendered {
    let lines = LineIndex::new(markdown, first_line);
    let mut out = Rendered::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut used_ids = HashSet::new();
    let mut parser = Parser::new_ext(markdown, options()).into_offset_iter();

    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let mut inner = Vec::new();
                let mut text = String::new();
                for (e, _) in parser.by_ref() {
                    match &e {
                        Event::End(TagEnd::Heading(_)) => break,
                        Event::Text(t) | Event::Code(t) => text.push_str(t),
                        _ => {}
                    }
                    inner.push(e);
                }
                let text = text.trim().to_string();
                let id = heading_id(id.as_deref(), &text, &mut used_ids);
                let mut inner_html = String::new();
                pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                let n = heading_number(level);
                events.push(Event::Html(CowStr::from(format!(
                    "<h{n} id=\"{id}\">{inner_html}<a class=\"heading-anchor\" href=\"#{id}\" aria-hidden=\"true\">#</a></h{n}>\n"
                ))));
                if n == 2 || n == 3 {
                    out.toc.push(TocEntry {
                        level: n,
                        id: id.clone(),
                        text: text.clone(),
                    });
                }
                out.anchors.push(id);
                push_text(&mut out.text, &text);
                out.headings.push(text);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.trim().to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let mut code = String::new();
                for (e, _) in parser.by_ref() {
                    match e {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(t) => code.push_str(&t),
                        _ => {}
                    }
                }
                // The block's first code line is the one after the fence.
                let line = lines.line_of(range.start)
                    + usize::from(
                        !info.is_empty()
                            || markdown[range.clone()].starts_with("```")
                            || markdown[range.clone()].starts_with("~~~"),
                    );
                events.push(Event::Html(CowStr::from(code_block_html(
                    &info, &code, highlight,
                ))));
                out.code_blocks.push(CodeBlock { info, code, line });
            }
            Event::Start(Tag::Table(alignments)) => {
                events.push(Event::Html(CowStr::from(
                    "<div class=\"table-scroll\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">",
                )));
                events.push(Event::Start(Tag::Table(alignments)));
            }
            Event::End(TagEnd::Table) => {
                events.push(Event::End(TagEnd::Table));
                events.push(Event::Html(CowStr::from("</div>")));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                out.links.push(Link {
                    href: dest_url.to_string(),
                    line: lines.line_of(range.start),
                });
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                out.anchors.push(label.to_string());
                events.push(Event::Start(Tag::FootnoteDefinition(label)));
            }
            Event::Text(t) => {
                push_text(&mut out.text, &t);
                events.push(Event::Text(t));
            }
            Event::Code(t) => {
                push_text(&mut out.text, &t);
                events.push(Event::Code(t));
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    out.html = crate::sanitize::clean(&html);
    out
}

fn push_text(buf: &mut String, t: &str) {
    if !buf.is_empty() && !buf.ends_with(char::is_whitespace) {
        buf.push(' ');
    }
    buf.push_str(t);
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn code_block_html(info: &str, code: &str, highlight_code: bool) -> String {
    let mut words = info.split_whitespace();
    let lang = words
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '_'))
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    let label = info
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" · ");
    let body = highlight_code
        .then(|| highlight(code, &lang))
        .flatten()
        .unwrap_or_else(|| escape(code));
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{lang}\"")
    };
    format!(
        "<div class=\"code-block\"><div class=\"code-head\"><span class=\"code-lang\">{label}</span>\
         <button type=\"button\" class=\"code-copy\" aria-label=\"Copy code to clipboard\">Copy</button></div>\
         <pre class=\"code\"><code{class}>{body}</code></pre></div>\n",
        label = escape(&label),
    )
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A heading's anchor, GitHub style: lowercase, words joined by hyphens, punctuation dropped.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            slug.push(c);
        } else if c.is_whitespace() {
            slug.push('-');
        }
    }
    slug
}

/// The id a heading gets on its page: its `{#id}` or its text, slugified (`section` when
/// that is empty), made unique among `used` with `-1`, `-2`, …. The Brain's citations link to
/// these ids, so both use this one function.
pub fn heading_id(explicit: Option<&str>, text: &str, used: &mut HashSet<String>) -> String {
    let base = explicit
        .map(slugify)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| slugify(text));
    unique_id(
        if base.is_empty() {
            "section".into()
        } else {
            base
        },
        used,
    )
}

fn unique_id(base: String, used: &mut HashSet<String>) -> String {
    if used.insert(base.clone()) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or(base)
}

/// Byte offset to line number.
struct LineIndex {
    starts: Vec<usize>,
    first_line: usize,
}

impl LineIndex {
    fn new(text: &str, first_line: usize) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts, first_line }
    }

    fn line_of(&self, offset: usize) -> usize {
        let idx = self.starts.partition_point(|&s| s <= offset);
        self.first_line + idx.saturating_sub(1)
    }
}
