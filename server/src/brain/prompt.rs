//! What the model is told, and what the reader sees: the prompt with numbered passages, the
//! citations, the `[n]` markers turned into links, and the answer rendered as safe HTML.

use workbench_brain::Passage;
use workbench_brain_api::{Citation, Role};
use workbench_llm::{ChatMessage, Role as LlmRole};

/// Characters of a passage shown on hover.
const EXCERPT_CHARS: usize = 280;
/// Characters of each passage given to the model.
const PASSAGE_CHARS: usize = 2_000;

const SYSTEM: &str = "You are the Brain of Workbench, a homelab workbench. Answer the user's question \
using the numbered passages from their notes and the Resources library below. Cite every claim with \
the passage number in square brackets, like [1] or [2][3], right after the claim. If the passages do \
not contain the answer, say so plainly and answer only what you are sure of. Use Markdown; keep \
commands in fenced code blocks.";

pub fn citations(passages: &[Passage]) -> Vec<Citation> {
    passages
        .iter()
        .enumerate()
        .map(|(i, p)| Citation {
            n: i + 1,
            title: p.title.clone(),
            heading: p.heading.clone(),
            url: p.url.clone(),
            excerpt: excerpt(&p.text, EXCERPT_CHARS),
        })
        .collect()
}

/// The messages for the model: instructions with the passages, earlier turns, the question.
pub fn messages(
    passages: &[Passage],
    history: &[(Role, String)],
    question: &str,
) -> Vec<ChatMessage> {
    let mut system = String::from(SYSTEM);
    system.push_str("\n\nPassages:\n");
    if passages.is_empty() {
        system.push_str("(none found)\n");
    }
    for (i, p) in passages.iter().enumerate() {
        let place = if p.heading.is_empty() {
            p.title.clone()
        } else {
            format!("{} › {}", p.title, p.heading)
        };
        system.push_str(&format!(
            "\n[{}] {place}\n{}\n",
            i + 1,
            excerpt(&p.text, PASSAGE_CHARS)
        ));
    }
    let mut out = vec![ChatMessage {
        role: LlmRole::System,
        content: system,
    }];
    out.extend(history.iter().map(|(role, text)| ChatMessage {
        role: match role {
            Role::User => LlmRole::User,
            Role::Assistant => LlmRole::Assistant,
        },
        content: text.clone(),
    }));
    out.push(ChatMessage {
        role: LlmRole::User,
        content: question.to_string(),
    });
    out
}

/// The answer without a model: the passages themselves, each cited.
pub fn retrieval_answer(citations: &[Citation]) -> String {
    if citations.is_empty() {
        return "Nothing in your notes or the Resources library matches that question. \
                Try other words, or check the Index panel."
            .into();
    }
    let mut md = String::from("The most relevant passages from your notes and the library:\n\n");
    for c in citations {
        let place = if c.heading.is_empty() {
            c.title.clone()
        } else {
            format!("{} › {}", c.title, c.heading)
        };
        md.push_str(&format!(
            "{}. **{}**: {} [{}]\n",
            c.n,
            escape_md(&place),
            escape_md(&excerpt(&c.excerpt, 200)),
            c.n
        ));
    }
    md
}

/// The answer as HTML: `[n]` markers that name a citation become links to it (the excerpt
/// as their title), then the Markdown is rendered and sanitised.
pub fn render(markdown: &str, citations: &[Citation], highlight: bool) -> String {
    let linked = link_citations(markdown, citations);
    workbench_content::render::render_with(&linked, 1, highlight).html
}

/// Rewrites `[n]` (not already a link) into `[[n]](url "excerpt")` outside code.
pub fn link_citations(markdown: &str, citations: &[Citation]) -> String {
    let mut out = String::with_capacity(markdown.len() + 64);
    let mut in_fence = false;
    for line in markdown.split_inclusive('\n') {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        link_line(line, citations, &mut out);
    }
    out
}

fn link_line(line: &str, citations: &[Citation], out: &mut String) {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut in_code = false;
    let mut last = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => in_code = !in_code,
            b'[' if !in_code => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let close = i + 1 + digits;
                let is_marker = digits > 0
                    && digits <= 3
                    && bytes.get(close) == Some(&b']')
                    && bytes.get(close + 1) != Some(&b'(')
                    && (i == 0 || bytes[i - 1] != b'[');
                if is_marker {
                    let n: usize = line[i + 1..close].parse().unwrap_or(0);
                    if let Some(c) = citations.iter().find(|c| c.n == n) {
                        out.push_str(&line[last..i]);
                        out.push_str(&format!(
                            "[\\[{n}\\]]({} \"{}\")",
                            url_for_markdown(&c.url),
                            title_for_markdown(&c.excerpt)
                        ));
                        i = close + 1;
                        last = i;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&line[last..]);
}

fn url_for_markdown(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

fn title_for_markdown(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

fn escape_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(if ch == '\n' { ' ' } else { ch });
    }
    out
}

/// The first `max` characters, cut at a word, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cite(n: usize) -> Citation {
        Citation {
            n,
            title: format!("Doc {n}"),
            heading: "Sec".into(),
            url: format!("/resources/stack/doc-{n}#sec"),
            excerpt: format!("Excerpt \"{n}\" text"),
        }
    }

    #[test]
    fn markers_become_links_with_the_excerpt_on_hover() {
        let html = render(
            "Restart it [1][2]. Not [9], not `[1]`.",
            &[cite(1), cite(2)],
            false,
        );
        assert!(
            html.contains(
                r#"<a href="/resources/stack/doc-1#sec" title="Excerpt &quot;1&quot; text""#
            ),
            "{html}"
        );
        assert!(html.contains("doc-2#sec"), "{html}");
        assert!(html.contains("[9]"), "{html}");
        assert!(html.contains("<code>[1]</code>"), "{html}");
    }

    #[test]
    fn code_fences_are_left_alone() {
        let md = "```\nx[1]\n```\nsee [1]";
        let out = link_citations(md, &[cite(1)]);
        assert!(out.starts_with("```\nx[1]\n```\n"), "{out}");
        assert!(out.contains("[\\[1\\]](/resources"), "{out}");
    }

    #[test]
    fn model_html_is_sanitised() {
        let html = render(
            "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))",
            &[],
            false,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        let html = render(
            "[x](javascript:alert) <a href=\"javascript:alert(1)\">y</a>",
            &[],
            false,
        );
        assert!(!html.contains("href=\"javascript"), "{html}");
    }

    #[test]
    fn hostile_markers_do_not_panic() {
        for md in [
            "[",
            "[1",
            "[1]",
            "[1](",
            "[[1]]",
            "[999999999999]",
            "é[1]é",
            "`[1]",
        ] {
            let _ = render(md, &[cite(1)], false);
        }
    }

    #[test]
    fn the_retrieval_answer_cites_every_passage() {
        let md = retrieval_answer(&[cite(1), cite(2)]);
        assert!(md.contains("[1]") && md.contains("[2]"), "{md}");
        assert!(retrieval_answer(&[]).contains("Nothing"));
    }

    #[test]
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("a  b\nc", 10), "a b c");
        let e = excerpt(&"word ".repeat(100), 30);
        assert!(e.ends_with('…') && e.chars().count() <= 31, "{e}");
    }
}
