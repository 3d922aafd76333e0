//! Rendering snapshots: each Markdown feature, and hostile input (no script survives,
//! nothing panics, errors are clear).

use std::path::Path;

use workbench_content::library::{LoadError, MAX_FILE_BYTES, parse_entry};
use workbench_content::render::render;

fn html(md: &str) -> String {
    render(md, 1).html
}

#[test]
fn headings_get_anchors_and_a_toc() {
    let r = render(
        "# Title\n\n## First part\n\n### A `detail`\n\n## First part\n\n#### deep\n",
        1,
    );
    insta::assert_snapshot!(r.html);
    insta::assert_debug_snapshot!(r.toc);
}

#[test]
fn tables_scroll_on_a_phone() {
    insta::assert_snapshot!(html(
        "| Tool | Good for |\n| --- | :---: |\n| k3s | small clusters |\n| kind | CI |\n"
    ));
}

#[test]
fn footnotes() {
    let r = render(
        "Traefik reads labels.[^docs]\n\n[^docs]: See the provider docs.\n",
        1,
    );
    insta::assert_snapshot!(r.html);
    assert!(r.anchors.contains(&"docs".to_string()));
}

#[test]
fn code_blocks_are_highlighted_with_classes_and_a_copy_button() {
    insta::assert_snapshot!(html(
        "```yaml k8s\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n```\n"
    ));
    insta::assert_snapshot!(html("```bash\necho \"<b>hi</b>\" # comment\n```\n"));
    insta::assert_snapshot!(html("```unknown-lang\n<script>alert(1)</script>\n```\n"));
}

#[test]
fn lists_links_emphasis_and_task_lists() {
    insta::assert_snapshot!(html(
        "* **bold** and *em* and ~~gone~~\n* [a link](/resources/stack/traefik#labels)\n  1. nested\n\n- [x] done\n- [ ] todo\n"
    ));
}

#[test]
fn script_tags_and_event_handlers_are_removed() {
    let out = html(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<p onclick=\"x()\" style=\"color:red\">hi</p>\n\n<iframe src=\"https://evil.example\"></iframe>\n",
    );
    insta::assert_snapshot!(out);
    for bad in ["<script", "onerror", "onclick", "<iframe", "style="] {
        assert!(!out.contains(bad), "{bad} survived: {out}");
    }
}

#[test]
fn javascript_links_are_removed() {
    let out = html(
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) <a href=\"JaVaScRiPt:alert(1)\">x</a> [ok](https://example.com)\n",
    );
    insta::assert_snapshot!(out);
    assert!(!out.to_lowercase().contains("javascript:"), "{out}");
    assert!(!out.contains("data:text"), "{out}");
}

#[test]
fn heading_ids_cannot_break_out_of_attributes() {
    let out = html("## a\" onmouseover=\"x {#q\"><script>}\n\n## <img src=x onerror=alert(1)>\n");
    for tag in out.split('<').skip(1) {
        let name_and_attrs = tag.split('>').next().unwrap_or("");
        assert!(
            !name_and_attrs.contains(" onmouseover="),
            "attribute survived: {out}"
        );
    }
    assert!(!out.contains("onerror"), "{out}");
    assert!(!out.contains("<script"), "{out}");
}

#[test]
fn deeply_nested_lists_do_not_overflow() {
    let mut md = String::new();
    for depth in 0..2_000 {
        md.push_str(&"  ".repeat(depth));
        md.push_str("- x\n");
    }
    let out = html(&md);
    assert!(out.contains("<li>"));
    let quotes = ">".repeat(5_000) + " deep";
    let _ = html(&quotes);
}

#[test]
fn ten_megabyte_files_are_refused_with_a_clear_error() {
    let mut big = b"---\ntitle: t\nsummary: s\ntags: []\nupdated: 2026-01-01\n---\n".to_vec();
    big.resize(10 * 1024 * 1024, b'a');
    let err = parse_entry("stack", "big".into(), Path::new("big.md"), &big).expect_err("too large");
    assert!(matches!(
        err.1,
        LoadError::TooLarge {
            max: MAX_FILE_BYTES,
            ..
        }
    ));
    insta::assert_snapshot!(err.1.to_string());
}

#[test]
fn a_ten_megabyte_body_still_renders() {
    let body = "word ".repeat(2 * 1024 * 1024);
    let r = render(&body, 1);
    assert!(r.html.len() > body.len() / 2);
}

#[test]
fn invalid_utf8_is_refused_with_the_offset() {
    let bytes = b"---\ntitle: t\n\xff\xfe\n---\n";
    let err =
        parse_entry("stack", "bad".into(), Path::new("bad.md"), bytes).expect_err("not UTF-8");
    assert_eq!(err.0, Some(3));
    insta::assert_snapshot!(err.1.to_string());
}

#[test]
fn front_matter_errors_read_well() {
    let cases = [
        "no front matter\n",
        "---\ntitle: x\n",
        "---\ntitle: x\nsummary: y\ntags: [a]\n---\n",
        "---\ntitle: [x\n---\n",
        "---\ntitle: x\nsummary: y\ntags: [a]\nupdated: yesterday\n---\n",
        "---\ntitle: x\nsummary: y\ntags: [a]\nupdated: 2026-01-01\nauthr: me\n---\n",
        "---\ntitle: \"\"\nsummary: y\ntags: [a]\nupdated: 2026-01-01\n---\n",
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(
            |c| match parse_entry("stack", "x".into(), Path::new("x.md"), c.as_bytes()) {
                Ok(_) => "ok".into(),
                Err((line, e)) => format!("line {line:?}: {e}"),
            },
        )
        .collect();
    insta::assert_snapshot!(messages.join("\n"));
}

proptest::proptest! {
    #[test]
    fn rendering_never_panics_or_emits_script(s in "\\PC{0,400}") {
        let out = render(&s, 1).html.to_lowercase();
        proptest::prop_assert!(!out.contains("<script"));
        proptest::prop_assert!(!out.contains("javascript:"));
    }

    #[test]
    fn parsing_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
        let _ = parse_entry("stack", "p".into(), Path::new("p.md"), &bytes);
    }
}
