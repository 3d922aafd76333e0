//! Server-side syntax highlighting: syntect's built-in grammars, emitted as CSS classes
//! (`hl-*`, styled in style/main.css) so no theme or script reaches the browser.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Past this, a block is shown unhighlighted: highlighting is linear but not cheap.
const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Grammar names for the info strings our content uses that syntect knows by another name.
fn token_for(lang: &str) -> &str {
    match lang {
        "sh" | "shell" | "console" | "zsh" => "bash",
        "yml" => "yaml",
        "conf" | "ini" | "systemd" => "ini",
        "dockerfile" => "Dockerfile",
        "makefile" => "make",
        "jinja" => "html",
        other => other,
    }
}

/// `code` as highlighted HTML (already escaped), or `None` when there is no grammar for
/// `lang` and the caller should escape it as plain text.
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    if lang.is_empty() || code.len() > MAX_HIGHLIGHT_BYTES {
        return None;
    }
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(token_for(lang))?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        set,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    for line in LinesWithEndings::from(code) {
        // A grammar error leaves the block unhighlighted rather than half-done.
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

/// Warms the grammar set so the first request does not pay for it.
pub fn warm_up() {
    let _ = syntaxes();
}
