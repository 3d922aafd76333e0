//! The YAML block between `---` lines at the top of every entry: parsed into typed fields
//! and validated, with errors that name the field and say how to fix it.

use serde::Deserialize;

/// What every entry declares about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FrontMatter {
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`.
    pub updated: String,
}

/// Why a file's front matter is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontMatterError {
    #[error(
        "no front matter: start the file with a line `---`, then title, summary, tags and updated, then `---`"
    )]
    Missing,
    #[error("the front matter is never closed: add a line `---` after its last field")]
    Unterminated,
    #[error("front matter line {line}: {message}")]
    Yaml { line: usize, message: String },
    #[error("front matter lacks `{0}`: add it (title, summary, tags and updated are required)")]
    MissingField(&'static str),
    #[error("front matter `{field}`: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    title: Option<String>,
    summary: Option<String>,
    tags: Option<Vec<String>>,
    updated: Option<String>,
}

/// A document split at its front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// 1-based line of the file on which `body` starts, so later errors point at the file.
    pub body_line: usize,
}

/// Splits off and validates the front matter of `text`.
pub fn parse(text: &str) -> Result<Parsed<'_>, FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = strip_fence_line(text).ok_or(FrontMatterError::Missing)?;
    let mut offset = 0;
    let mut yaml_end = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            yaml_end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let (yaml_len, body_start) = yaml_end.ok_or(FrontMatterError::Unterminated)?;
    let yaml = &rest[..yaml_len];
    let body = &rest[body_start..];
    // The opening fence is line 1 and the YAML starts on line 2.
    let body_line = 2 + yaml.matches('\n').count() + 1;
    let raw: Raw = serde_yaml::from_str(yaml).map_err(|err| FrontMatterError::Yaml {
        line: err.location().map_or(2, |l| l.line() + 1),
        message: yaml_message(&err),
    })?;
    Ok(Parsed {
        front: validate(raw)?,
        body,
        body_line,
    })
}

fn strip_fence_line(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---")?;
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
}

/// serde_yaml appends " at line X column Y"; we report the line ourselves, relative to the file.
fn yaml_message(err: &serde_yaml::Error) -> String {
    let message = err.to_string();
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 600;
const MAX_TAGS: usize = 20;

fn validate(raw: Raw) -> Result<FrontMatter, FrontMatterError> {
    let title = required("title", raw.title)?;
    let summary = required("summary", raw.summary)?;
    let tags = raw.tags.ok_or(FrontMatterError::MissingField("tags"))?;
    let updated = required("updated", raw.updated)?;
    if title.chars().count() > MAX_TITLE {
        return Err(invalid(
            "title",
            format!("longer than {MAX_TITLE} characters; shorten it"),
        ));
    }
    if summary.chars().count() > MAX_SUMMARY {
        return Err(invalid(
            "summary",
            format!("longer than {MAX_SUMMARY} characters; keep it to a sentence or two"),
        ));
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid("tags", format!("more than {MAX_TAGS} tags")));
    }
    for tag in &tags {
        let ok = !tag.is_empty()
            && tag.len() <= 40
            && tag.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '+')
            });
        if !ok {
            return Err(invalid(
                "tags",
                format!(
                    "{tag:?} is not a tag: use lowercase letters, digits and hyphens, like `reverse-proxy`"
                ),
            ));
        }
    }
    if !is_date(&updated) {
        return Err(invalid(
            "updated",
            format!("{updated:?} is not a date: write it as YYYY-MM-DD, like 2026-11-18"),
        ));
    }
    Ok(FrontMatter {
        title,
        summary,
        tags,
        updated,
    })
}

fn required(field: &'static str, value: Option<String>) -> Result<String, FrontMatterError> {
    let value = value.ok_or(FrontMatterError::MissingField(field))?;
    let value = value.trim().to_string();
    if value.is_empty() {
        return Err(invalid(field, "is empty".into()));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters".into()));
    }
    Ok(value)
}

fn invalid(field: &'static str, problem: String) -> FrontMatterError {
    FrontMatterError::Invalid { field, problem }
}

/// `YYYY-MM-DD` with a plausible month and day.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(1970..=9999), Some(1..=12), Some(1..=31))
    ) && s
        .bytes()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "---\ntitle: \"T\"\nsummary: S\ntags: [a, b-c]\nupdated: 2026-11-18\n---\n\n# Body\n";

    #[test]
    fn parses_a_good_file() {
        let p = parse(GOOD).expect("valid");
        assert_eq!(p.front.title, "T");
        assert_eq!(p.front.tags, ["a", "b-c"]);
        assert_eq!(p.body, "\n# Body\n");
        assert_eq!(p.body_line, 7);
    }

    #[test]
    fn reports_each_problem() {
        assert_eq!(parse("# no front matter"), Err(FrontMatterError::Missing));
        assert_eq!(
            parse("---\ntitle: x\n"),
            Err(FrontMatterError::Unterminated)
        );
        assert_eq!(
            parse("---\ntitle: x\nsummary: y\ntags: []\n---\n"),
            Err(FrontMatterError::MissingField("updated"))
        );
        assert!(matches!(
            parse("---\ntitle: x\nsummary: y\ntags: []\nupdated: 2026-13-01\n---\n"),
            Err(FrontMatterError::Invalid {
                field: "updated",
                ..
            })
        ));
        assert!(matches!(
            parse("---\ntitle: [unclosed\n---\n"),
            Err(FrontMatterError::Yaml { line: 2, .. })
        ));
        assert!(matches!(
            parse("---\ntitle: x\nsummary: y\ntags: []\nupdated: 2026-01-01\nauthor: me\n---\n"),
            Err(FrontMatterError::Yaml { .. })
        ));
        assert!(matches!(
            parse("---\ntitle: x\nsummary: y\ntags: [Bad Tag]\nupdated: 2026-01-01\n---\n"),
            Err(FrontMatterError::Invalid { field: "tags", .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
            let _ = parse(&format!("---\n{s}\n---\n"));
        }
    }
}
