//! The tab list kept across a page reload, in the browser's `sessionStorage` (per browser tab,
//! so two browser tabs never fight over one set of sessions). What comes back is untrusted:
//! bounded, and session ids that are not plain ids are dropped (a new session opens instead).

use serde::{Deserialize, Serialize};

#[cfg(feature = "hydrate")]
const KEY: &str = "workbench.terminal.tabs";
const MAX_TABS: usize = 32;
const MAX_TEXT: usize = 64;
const MAX_STORED: usize = 64 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTabs {
    pub tabs: Vec<SavedTab>,
    /// Index into `tabs` of the tab shown.
    pub active: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTab {
    pub profile: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub session: Option<String>,
}

/// Parses what storage held; anything malformed is no saved tabs at all.
pub fn parse(text: &str) -> Option<SavedTabs> {
    if text.len() > MAX_STORED {
        return None;
    }
    let mut saved: SavedTabs = serde_json::from_str(text).ok()?;
    saved.tabs.truncate(MAX_TABS);
    for tab in &mut saved.tabs {
        let short = |s: &mut Option<String>| {
            *s = s
                .take()
                .map(|s| {
                    s.chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_TEXT)
                        .collect()
                })
                .filter(|s: &String| !s.trim().is_empty());
        };
        short(&mut tab.name);
        short(&mut tab.title);
        tab.session = tab.session.take().filter(|s| is_session_id(s));
    }
    saved
        .tabs
        .retain(|t| !t.profile.is_empty() && t.profile.len() <= 32);
    saved.active = saved.active.filter(|i| *i < saved.tabs.len());
    Some(saved)
}

/// The server's ids are 32 hex digits; accept only id-like strings.
pub fn is_session_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().session_storage().ok().flatten()
}

pub fn load() -> Option<SavedTabs> {
    #[cfg(feature = "hydrate")]
    {
        parse(&storage()?.get_item(KEY).ok()??)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

pub fn store(_saved: &SavedTabs) {
    #[cfg(feature = "hydrate")]
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(_saved)) {
        // Full storage or private mode: the tabs just do not survive a reload.
        let _ = s.set_item(KEY, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let saved = SavedTabs {
            tabs: vec![SavedTab {
                profile: "shell".into(),
                name: Some("build".into()),
                title: Some("bash".into()),
                session: Some("0123456789abcdef0123456789abcdef".into()),
            }],
            active: Some(0),
        };
        let text = serde_json::to_string(&saved).expect("json");
        assert_eq!(parse(&text), Some(saved));
        assert_eq!(parse("not json"), None);
        assert_eq!(parse(&"x".repeat(MAX_STORED + 1)), None);
        let hostile = r#"{"tabs":[{"profile":"shell","name":"\u0007x","title":"","session":"../../x?y=1"},{"profile":"","name":null,"title":null,"session":null}],"active":7}"#;
        let p = parse(hostile).expect("parsed");
        assert_eq!(p.tabs.len(), 1, "empty profile dropped");
        assert_eq!(p.tabs[0].name.as_deref(), Some("x"));
        assert_eq!(p.tabs[0].title, None);
        assert_eq!(p.tabs[0].session, None, "not an id");
        assert_eq!(p.active, None);
        let many = format!(
            r#"{{"tabs":[{}],"active":null}}"#,
            vec![r#"{"profile":"shell","name":null,"title":null,"session":null}"#; 100].join(",")
        );
        assert_eq!(parse(&many).expect("many").tabs.len(), MAX_TABS);
    }
}
