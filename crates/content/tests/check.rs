//! The health check on a fixture tree with one of each error.

use std::fs;
use std::path::Path;

use workbench_content::check;
use workbench_content::check::Kind;

const FM: &str = "---\ntitle: T\nsummary: S\ntags: [x]\nupdated: 2026-01-01\n---\n";

fn write(root: &Path, rel: &str, body: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, body).expect("write");
}

#[test]
fn one_of_each_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    write(
        &a,
        "stack/good.md",
        &format!(
            "{FM}\n## Part one\n\nSee [two](/resources/stack/other#part-two) and [here](#part-one).\n"
        ),
    );
    write(
        &a,
        "stack/other.md",
        &format!("{FM}\n## Part two\n\nFine. [relative](good#part-one)\n"),
    );
    write(&a, "stack/no-front-matter.md", "# Just a heading\n");
    write(
        &a,
        "stack/missing-field.md",
        "---\ntitle: T\nsummary: S\ntags: []\n---\n",
    );
    write(
        &a,
        "stack/broken-link.md",
        &format!("{FM}\n[gone](/resources/stack/nowhere)\n"),
    );
    write(
        &a,
        "stack/broken-anchor.md",
        &format!("{FM}\n[x](/resources/stack/other#no-such-part)\n"),
    );
    write(
        &a,
        "stack/bad-yaml.md",
        &format!("{FM}\n```yaml\nkey: [unclosed\n```\n"),
    );
    write(
        &a,
        "stack/bad-k8s.md",
        &format!(
            "{FM}\n```yaml k8s\napiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: ok\n```\n"
        ),
    );
    write(
        &a,
        "stack/bad-compose.md",
        &format!("{FM}\n```yaml compose\nversion: \"3\"\n```\n"),
    );
    write(
        &a,
        "stack/bad-json.md",
        &format!("{FM}\n```json\n{{\"a\": 1,}}\n```\n"),
    );
    write(
        &a,
        "stack/bad-toml.md",
        &format!("{FM}\n```toml\n[server\naddr = 1\n```\n"),
    );
    write(
        &a,
        "stack/bad-shell.md",
        &format!("{FM}\n```bash\necho ok\nif true; then\n```\n"),
    );
    write(&a, "stack/Bad Name.md", FM);
    write(&a, "nonsense/x.md", FM);
    // The same slug from a second root.
    write(&b, "stack/good.md", FM);

    let report = check(&[a.clone(), b]);
    let text = report.to_text();
    let kinds: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
    for kind in [
        Kind::FrontMatter,
        Kind::DuplicateSlug,
        Kind::BrokenLink,
        Kind::BrokenAnchor,
        Kind::Yaml,
        Kind::Kubernetes,
        Kind::Compose,
        Kind::Json,
        Kind::Toml,
        Kind::Shell,
        Kind::Load,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} finding in:\n{text}");
    }
    assert!(!report.ok());
    // Only the planted problems: the good files produce nothing.
    assert!(
        !text.contains("good.md:") || text.contains("duplicate slug"),
        "{text}"
    );
    assert!(!text.contains("other.md"), "{text}");
    let root = a.display().to_string();
    let b_root = dir.path().join("b").display().to_string();
    insta::assert_snapshot!(text.replace(&root, "A").replace(&b_root, "B"));
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["errors"].as_u64(), Some(report.errors as u64));
    assert!(json["findings"][0]["kind"].is_string());
}

#[test]
fn a_missing_root_is_an_error_not_a_panic() {
    let report = check(&["/nonexistent/content".into()]);
    assert!(!report.ok());
    assert!(report.to_text().contains("content.dir"));
}
