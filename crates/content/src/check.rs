//! The content health check: one pass over the local files, no network. Front matter,
//! links and anchors between entries, duplicate slugs, and every fenced code block in a
//! language it can check is parsed (YAML with Kubernetes and Compose rules, JSON, TOML,
//! shell through `bash -n`).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use crate::library::{Entry, Library};
use crate::render::CodeBlock;
use crate::sections::section;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of problem, as a stable machine-readable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Load,
    FrontMatter,
    DuplicateSlug,
    BrokenLink,
    BrokenAnchor,
    Yaml,
    Kubernetes,
    Compose,
    Json,
    Toml,
    Shell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: Kind,
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub files: usize,
    pub entries: usize,
    pub code_blocks_checked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.errors == 0
    }

    /// The report for a person: one line per finding, then a summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let place = match f.line {
                Some(line) => format!("{}:{line}", f.path),
                None => f.path.clone(),
            };
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let kind = serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            out.push_str(&format!("{sev}[{kind}] {place}: {}\n", f.message));
        }
        out.push_str(&format!(
            "{} files, {} entries, {} code blocks checked: {} error(s), {} warning(s)\n",
            self.files, self.entries, self.code_blocks_checked, self.errors, self.warnings
        ));
        out
    }
}

/// Checks an already loaded library (its load problems included).
pub fn check_library(lib: &Library) -> Report {
    let mut findings = Vec::new();
    for p in &lib.problems {
        use crate::library::LoadError as E;
        let (severity, kind) = match &p.error {
            E::FrontMatter(_) => (Severity::Error, Kind::FrontMatter),
            E::DuplicateSlug { .. } => (Severity::Error, Kind::DuplicateSlug),
            E::UnknownSection(_) => (Severity::Warning, Kind::Load),
            _ => (Severity::Error, Kind::Load),
        };
        findings.push(Finding {
            severity,
            kind,
            path: display(&p.path),
            line: p.line,
            message: p.error.to_string(),
        });
    }
    let mut blocks: Vec<(&Path, &CodeBlock)> = Vec::new();
    for entry in lib.entries() {
        check_links(lib, entry, &mut findings);
        blocks.extend(
            entry
                .rendered
                .code_blocks
                .iter()
                .map(|b| (entry.path.as_path(), b)),
        );
    }
    // `bash -n` is a process per block: spread the blocks over the cores.
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let chunk = blocks.len().div_ceil(workers).max(1);
    let results: Vec<(usize, Vec<Finding>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = blocks
            .chunks(chunk)
            .map(|part| scope.spawn(move || check_blocks(part)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut checked = 0;
    for (n, found) in results {
        checked += n;
        findings.extend(found);
    }
    findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Report {
        files: lib.files_seen,
        entries: lib.len(),
        code_blocks_checked: checked,
        errors,
        warnings: findings.len() - errors,
        findings,
    }
}

fn check_blocks(blocks: &[(&Path, &CodeBlock)]) -> (usize, Vec<Finding>) {
    // One `bash -n` for all the shell blocks; only when that fails is each checked alone
    // to find the culprit. A process per block would dominate the check's time.
    let shell: Vec<&str> = blocks
        .iter()
        .filter(|(_, b)| is_shell(&b.info))
        .map(|(_, b)| b.code.as_str())
        .collect();
    let shell_ok = !shell.is_empty() && check_shell(&batch_script(&shell), 1).is_ok();
    let mut checked = 0;
    let mut findings = Vec::new();
    for (path, block) in blocks {
        let result = if shell_ok && is_shell(&block.info) {
            Some(Ok(()))
        } else {
            check_code(block)
        };
        if let Some(result) = result {
            checked += 1;
            if let Err((kind, line, message)) = result {
                findings.push(Finding {
                    severity: Severity::Error,
                    kind,
                    path: display(path),
                    line: Some(line),
                    message,
                });
            }
        }
    }
    (checked, findings)
}

fn is_shell(info: &str) -> bool {
    matches!(
        info.split_whitespace()
            .next()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bash" | "sh" | "shell")
    )
}

/// Each block as the body of its own function, so an unclosed construct in one cannot be
/// closed by the next (it fails the batch, and the per-block pass names it).
fn batch_script(blocks: &[&str]) -> String {
    let mut script = String::new();
    for (i, code) in blocks.iter().enumerate() {
        script.push_str(&format!("__workbench_check_{i}() {{\n{code}\n:\n}}\n"));
    }
    script
}

/// Loads `roots` and checks them.
pub fn check(roots: &[PathBuf]) -> Report {
    check_library(&Library::load_with(roots, false))
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn check_links(lib: &Library, entry: &Entry, findings: &mut Vec<Finding>) {
    let own: HashSet<&str> = entry.rendered.anchors.iter().map(String::as_str).collect();
    for link in &entry.rendered.links {
        let href = link.href.as_str();
        let mut report = |kind, message: String| {
            findings.push(Finding {
                severity: Severity::Error,
                kind,
                path: display(&entry.path),
                line: Some(link.line),
                message,
            });
        };
        if let Some(anchor) = href.strip_prefix('#') {
            if !own.contains(anchor) {
                report(
                    Kind::BrokenAnchor,
                    format!("link to #{anchor}: no heading or footnote with that id on this page"),
                );
            }
            continue;
        }
        let Some(target) = resolve(entry, href) else {
            continue;
        };
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (p.to_string(), Some(a.to_string())),
            None => (target.clone(), None),
        };
        let parts: Vec<&str> = path
            .trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        match parts.as_slice() {
            ["resources"] => {}
            ["resources", s] if section(s).is_some() => {}
            ["resources", s, slug] => match lib.entry(s, slug) {
                Some(target_entry) => {
                    if let Some(a) = anchor.filter(|a| !a.is_empty())
                        && !target_entry.rendered.anchors.contains(&a)
                    {
                        report(
                            Kind::BrokenAnchor,
                            format!("link to {href}: that page has no heading with id #{a}"),
                        );
                    }
                }
                None => report(
                    Kind::BrokenLink,
                    format!("link to {href}: no entry {s}/{slug}"),
                ),
            },
            ["resources", ..] => report(
                Kind::BrokenLink,
                format!("link to {href}: no such Resources page"),
            ),
            _ => {}
        }
    }
}

/// The absolute path an internal link points at, or `None` for external links.
fn resolve(entry: &Entry, href: &str) -> Option<String> {
    if href.contains("://")
        || href.starts_with("mailto:")
        || href.starts_with("//")
        || href.contains(':') && !href.starts_with('/')
    {
        return None;
    }
    if href.starts_with('/') {
        return Some(href.to_string());
    }
    // Relative to /resources/<section>/<slug>, as a browser resolves it.
    let mut base: Vec<String> = vec!["resources".into(), entry.section.into()];
    let (path, frag) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (href, None),
    };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                base.pop();
            }
            s => base.push(s.trim_end_matches(".md").to_string()),
        }
    }
    let mut out = format!("/{}", base.join("/"));
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

type CodeResult = Result<(), (Kind, usize, String)>;

/// `None` when the block's language is not one we check.
pub fn check_code(block: &CodeBlock) -> Option<CodeResult> {
    let mut words = block.info.split_whitespace();
    let lang = words.next().unwrap_or("").to_ascii_lowercase();
    let flavour = words.next().unwrap_or("").to_ascii_lowercase();
    let line = block.line;
    Some(match lang.as_str() {
        "yaml" | "yml" => check_yaml(&block.code, &flavour, line),
        "json" => serde_json::from_str::<serde_json::Value>(&block.code)
            .map(drop)
            .map_err(|e| {
                (
                    Kind::Json,
                    line + e.line().saturating_sub(1),
                    format!("JSON: {e}"),
                )
            }),
        "toml" => toml::from_str::<toml::Table>(&block.code)
            .map(drop)
            .map_err(|e| {
                let at = e.span().map_or(0, |s| {
                    block.code[..s.start.min(block.code.len())]
                        .matches('\n')
                        .count()
                });
                (Kind::Toml, line + at, format!("TOML: {}", e.message()))
            }),
        "bash" | "sh" | "shell" => check_shell(&block.code, line),
        _ => return None,
    })
}

fn check_yaml(code: &str, flavour: &str, line: usize) -> CodeResult {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(code) {
        let value = serde_yaml::Value::deserialize(doc).map_err(|e| {
            let at = e.location().map_or(0, |l| l.line().saturating_sub(1));
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            (Kind::Yaml, line + at, format!("YAML: {msg}"))
        })?;
        docs.push(value);
    }
    match flavour {
        "k8s" | "kubernetes" => {
            for (i, doc) in docs.iter().enumerate().filter(|(_, d)| !d.is_null()) {
                let s = |v: Option<&serde_yaml::Value>| {
                    v.and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty())
                };
                let missing: Vec<&str> = [
                    ("apiVersion", s(doc.get("apiVersion"))),
                    ("kind", s(doc.get("kind"))),
                    (
                        "metadata.name",
                        s(doc.get("metadata").and_then(|m| m.get("name"))),
                    ),
                ]
                .into_iter()
                .filter(|(_, ok)| !ok)
                .map(|(k, _)| k)
                .collect();
                if !missing.is_empty() {
                    return Err((
                        Kind::Kubernetes,
                        line,
                        format!("Kubernetes object #{} lacks {}", i + 1, missing.join(", ")),
                    ));
                }
            }
            Ok(())
        }
        "compose" => {
            let first = docs.iter().find(|d| !d.is_null());
            if first
                .and_then(|d| d.get("services"))
                .is_some_and(serde_yaml::Value::is_mapping)
            {
                Ok(())
            } else {
                Err((
                    Kind::Compose,
                    line,
                    "Compose file has no `services:` mapping".into(),
                ))
            }
        }
        _ => Ok(()),
    }
}

/// `bash -n` reads the script from stdin: no file, no shell string, nothing executed.
fn check_shell(code: &str, line: usize) -> CodeResult {
    let run = || -> std::io::Result<std::process::Output> {
        let mut child = Command::new("bash")
            .arg("-n")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            // A write error means bash exited early; its status says why.
            let _ = stdin.write_all(code.as_bytes());
        }
        child.wait_with_output()
    };
    match run() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().next().unwrap_or("syntax error").to_string();
            // "bash: line 3: syntax error …"
            let at = first
                .split("line ")
                .nth(1)
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(1);
            let msg = first.splitn(3, ": ").nth(2).unwrap_or(&first).to_string();
            Err((Kind::Shell, line + at - 1, format!("shell: {msg}")))
        }
        Err(e) => Err((
            Kind::Shell,
            line,
            format!("could not run `bash -n` to check this block: {e}; install bash"),
        )),
    }
}
