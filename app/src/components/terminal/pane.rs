//! One terminal tab's pane: the xterm.js screen, the key bar, and the connection status.

use leptos::prelude::*;

use super::key_bar::KeyBar;
use super::{Status, TabInfo};

#[component]
pub fn TerminalPane(tab: TabInfo, hidden: Signal<bool>) -> AnyView {
    let screen = NodeRef::<leptos::html::Div>::new();
    let ctrl = RwSignal::new(false);
    let alt = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    let pane = StoredValue::new_local(None::<std::rc::Rc<super::client::Pane>>);

    #[cfg(feature = "hydrate")]
    {
        // xterm.js loads on first use (see `xterm::load`); the pane starts once it is in.
        // Keep this future small: wasm-split keeps spawned futures in the main module (they
        // are reached through the function table), so the pane's start-up stays in the
        // effect below, in this lazy chunk (docs/notes/bundle.md).
        let xterm_ready = RwSignal::new(false);
        leptos::task::spawn_local(async move {
            match super::xterm::load().await {
                Ok(()) => {
                    xterm_ready.try_set(true);
                }
                Err(_) => {
                    tab.status.try_set(Status::Ended(
                        "the terminal code (xterm.js) did not load; check the connection and \
                         reload the page"
                            .into(),
                    ));
                }
            }
        });
        Effect::new(move |_| {
            if xterm_ready.get()
                && let Some(el) = screen.get()
                && pane.with_value(Option::is_none)
            {
                let el: web_sys::HtmlElement = el.into();
                pane.set_value(Some(super::client::Pane::start(el, tab, ctrl, alt)));
            }
        });
        // A pane that was hidden had no size: fit it when it is shown, and take the
        // keyboard if it was the terminal tab bar that showed it (not the page's tabs).
        Effect::new(move |_| {
            if !hidden.get() {
                let from_terminal_tabs = document()
                    .active_element()
                    .is_some_and(|el| el.closest(".terminal-panel").ok().flatten().is_some());
                pane.with_value(|p| {
                    if let Some(p) = p {
                        p.fit_now();
                        if from_terminal_tabs {
                            p.focus();
                        }
                    }
                });
            }
        });
        on_cleanup(move || {
            pane.try_with_value(|p| p.as_ref().map(|p| p.dispose()));
        });
    }

    let send = Callback::new(move |_bytes: Vec<u8>| {
        #[cfg(feature = "hydrate")]
        pane.with_value(|p| {
            if let Some(p) = p {
                p.key(&_bytes);
            }
        });
    });
    let find = Callback::new(move |_text: String| {
        #[cfg(feature = "hydrate")]
        pane.with_value(|p| {
            if let Some(p) = p {
                p.find(&_text);
            }
        });
    });

    let status = move || match tab.status.get() {
        Status::Connecting => Some("Connecting…".to_string()),
        Status::Connected => None,
        Status::Reconnecting => {
            Some("Connection lost; reconnecting to the same session…".to_string())
        }
        Status::Ended(why) => Some(format!("Session ended: {why}")),
    };
    view! {
        <div
            class="term-pane"
            id=format!("term-pane-{}", tab.key)
            role="tabpanel"
            aria-labelledby=format!("term-tab-{}", tab.key)
            data-profile=tab.profile
            hidden=move || hidden.get()
        >
            <div class="term-screen" node_ref=screen></div>
            <div class="term-footer">
                <KeyBar send find ctrl alt />
                <span class="term-status" role="status">{status}</span>
            </div>
        </div>
    }
    .into_any()
}
