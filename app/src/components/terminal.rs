//! The Terminal panel: a tab bar of terminal sessions and one xterm.js pane per tab.
//! The terminal itself exists only in the browser: the server renders a placeholder,
//! and the panel is built once the page has hydrated.

pub mod key_bar;
pub mod pane;
pub mod saved;
pub mod tabs;

#[cfg(feature = "hydrate")]
mod client;
#[cfg(feature = "hydrate")]
mod xterm;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use self::pane::TerminalPane;
use self::tabs::SessionTabs;

/// A profile as `GET /terminal/profiles` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInfo {
    pub name: String,
    pub title: String,
    pub read_only: bool,
    pub backend: String,
    pub available: bool,
}

/// Where a tab's connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Connected,
    Reconnecting,
    /// The session is over; why.
    Ended(String),
}

/// One terminal tab. The signals are how the pane reports back to the tab bar.
#[derive(Debug, Clone, Copy)]
pub struct TabInfo {
    pub key: u32,
    pub profile: &'static str,
    /// The server's title, then whatever OSC titles the program sets.
    pub title: RwSignal<String>,
    /// A name the user gave the tab; wins over the title.
    pub name: RwSignal<Option<String>>,
    pub status: RwSignal<Status>,
    /// The server's session id once known: what a reload reattaches to.
    pub session: RwSignal<Option<String>>,
}

impl TabInfo {
    fn new(key: u32, profile: &ProfileInfo) -> Self {
        // Profile names live as long as the page; leaking a few short strings is cheaper
        // than threading owned Strings through Copy signals.
        let name: &'static str = Box::leak(profile.name.clone().into_boxed_str());
        Self {
            key,
            profile: name,
            title: RwSignal::new(profile.title.clone()),
            name: RwSignal::new(None),
            status: RwSignal::new(Status::Connecting),
            session: RwSignal::new(None),
        }
    }

    pub fn label(&self) -> String {
        self.name.get().unwrap_or_else(|| self.title.get())
    }
}

/// The state the tab bar and the panes share.
#[derive(Clone, Copy)]
pub struct Terminals {
    pub profiles: RwSignal<Vec<ProfileInfo>>,
    pub tabs: RwSignal<Vec<TabInfo>>,
    pub active: RwSignal<Option<u32>>,
    next_key: RwSignal<u32>,
    /// The workspace's owner: a tab's signals must outlive the menu that created them.
    owner: StoredValue<Owner>,
}

impl Terminals {
    pub fn open(&self, profile: &ProfileInfo) {
        self.open_saved(profile, None);
    }

    /// Opens a tab, restoring what a reload saved: its name, title and session to reattach.
    fn open_saved(&self, profile: &ProfileInfo, saved: Option<&saved::SavedTab>) {
        let key = self.next_key.get_untracked();
        self.next_key.set(key + 1);
        let tab = self.owner.get_value().with(|| TabInfo::new(key, profile));
        if let Some(saved) = saved {
            tab.name.set(saved.name.clone());
            if let Some(title) = &saved.title {
                tab.title.set(title.clone());
            }
            tab.session.set(saved.session.clone());
        }
        self.tabs.update(|t| t.push(tab));
        self.active.set(Some(key));
    }

    /// What survives a reload: every tab's profile, name, title and session, in order.
    fn saved(&self) -> saved::SavedTabs {
        let tabs = self.tabs.get();
        let active = self.active.get();
        saved::SavedTabs {
            active: tabs.iter().position(|t| Some(t.key) == active),
            tabs: tabs
                .iter()
                .map(|t| saved::SavedTab {
                    profile: t.profile.to_string(),
                    name: t.name.get(),
                    title: Some(t.title.get()),
                    session: t.session.get(),
                })
                .collect(),
        }
    }

    /// Reopens the saved tabs whose profile still exists; false when there were none.
    #[cfg(feature = "hydrate")]
    fn restore(&self, saved: &saved::SavedTabs, profiles: &[ProfileInfo]) -> bool {
        let mut keys = Vec::new();
        for tab in &saved.tabs {
            if let Some(profile) = profiles.iter().find(|p| p.name == tab.profile) {
                self.open_saved(profile, Some(tab));
                keys.push(self.next_key.get_untracked() - 1);
            }
        }
        if let Some(key) = saved.active.and_then(|i| keys.get(i)) {
            self.active.set(Some(*key));
        }
        !keys.is_empty()
    }

    pub fn close(&self, key: u32) {
        let tabs = self.tabs.get_untracked();
        let Some(pos) = tabs.iter().position(|t| t.key == key) else {
            return;
        };
        self.tabs.update(|t| {
            t.remove(pos);
        });
        if self.active.get_untracked() == Some(key) {
            let rest = self.tabs.get_untracked();
            self.active.set(
                rest.get(pos.min(rest.len().saturating_sub(1)))
                    .map(|t| t.key),
            );
        }
    }

    /// Moves tab `key` to where tab `before` is.
    pub fn reorder(&self, key: u32, before: u32) {
        self.tabs.update(|tabs| {
            let (Some(from), Some(to)) = (
                tabs.iter().position(|t| t.key == key),
                tabs.iter().position(|t| t.key == before),
            ) else {
                return;
            };
            let tab = tabs.remove(from);
            tabs.insert(to, tab);
        });
    }
}

#[component]
pub fn TerminalPanel() -> impl IntoView {
    // False on the server and during hydration, so both render the same placeholder.
    let in_browser = RwSignal::new(false);
    Effect::new(move |_| in_browser.set(true));
    view! {
        <leptos_meta::Stylesheet id="xterm-css" href="/xterm/xterm.css" />
        <div class="terminal-panel">
            {move || {
                if in_browser.get() {
                    view! { <TerminalWorkspace /> }.into_any()
                } else {
                    view! { <p class="term-note">"Starting the terminal…"</p> }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn TerminalWorkspace() -> AnyView {
    let state = Terminals {
        profiles: RwSignal::new(Vec::new()),
        tabs: RwSignal::new(Vec::new()),
        active: RwSignal::new(None),
        next_key: RwSignal::new(1),
        owner: StoredValue::new(Owner::current().unwrap_or_default()),
    };
    let error = RwSignal::new(None::<String>);
    // Saving starts once the saved tabs are back, so an empty list never overwrites them.
    let restored = RwSignal::new(false);
    Effect::new(move |_| {
        if restored.get() {
            saved::store(&state.saved());
        }
    });
    #[cfg(feature = "hydrate")]
    wasm_bindgen_futures::spawn_local(async move {
        match client::fetch_profiles().await {
            Ok(profiles) => {
                let reopened = saved::load().is_some_and(|s| state.restore(&s, &profiles));
                if !reopened && let Some(first) = profiles.first() {
                    state.open(first);
                }
                state.profiles.set(profiles);
                restored.set(true);
            }
            Err(message) => error.set(Some(message)),
        }
    });
    view! {
        <SessionTabs state />
        {move || error.get().map(|e| view! { <p class="term-note term-error" role="alert">{e}</p> })}
        <div class="term-panes">
            <For
                each=move || state.tabs.get()
                key=|tab| tab.key
                children=move |tab| {
                    let hidden = move || state.active.get() != Some(tab.key);
                    view! { <TerminalPane tab hidden=Signal::derive(hidden) /> }
                }
            />
            <Show when=move || state.tabs.with(Vec::is_empty) && error.get().is_none()>
                <p class="term-note">"No terminal open. Use + to open one."</p>
            </Show>
        </div>
    }
    .into_any()
}
