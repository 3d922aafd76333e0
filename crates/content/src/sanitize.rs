//! The last step of rendering: only an allow-list of tags and attributes reaches the page,
//! so raw HTML in Markdown cannot run script or restyle the app.

use std::sync::OnceLock;

use ammonia::Builder;

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = Builder::default();
        b.add_tags(["button", "input"])
            .add_tag_attributes("button", ["type", "class", "aria-label"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("div", ["class", "id", "role", "aria-label", "tabindex"])
            .add_tag_attributes("span", ["class"])
            .add_tag_attributes("pre", ["class"])
            .add_tag_attributes("code", ["class"])
            .add_tag_attributes("sup", ["class", "id"])
            .add_tag_attributes("a", ["class", "aria-hidden"])
            .add_tag_attributes("li", ["id"]);
        for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
            b.add_tag_attributes(h, ["id"]);
        }
        // Internal links stay same-tab; ammonia still adds noopener to every link.
        b.link_rel(Some("noopener noreferrer"));
        b
    })
}

/// `html` with everything outside the allow-list removed.
pub fn clean(html: &str) -> String {
    builder().clean(html).to_string()
}
