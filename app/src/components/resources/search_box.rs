//! The search box on every Resources page: a plain GET form (so it works without
//! JavaScript), and `/` anywhere on the page puts the cursor in it.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchBox() -> impl IntoView {
    let query = use_query_map();
    let input: NodeRef<Input> = NodeRef::new();
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() != "/" || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            // Typing a slash into a field is typing, not the shortcut.
            let typing = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        || el.is_content_editable()
                });
            if typing {
                return;
            }
            if let Some(el) = input.get_untracked() {
                ev.prevent_default();
                let _ = el.focus();
                el.select();
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <form class="resource-search" role="search" action="/resources/search" method="get">
            <label class="visually-hidden" for="resource-search">"Search Resources"</label>
            <input
                node_ref=input
                id="resource-search"
                type="search"
                name="q"
                maxlength="200"
                autocomplete="off"
                placeholder="Search Resources (press / to focus)"
                prop:value=move || query.read().get("q").unwrap_or_default()
            />
            <button type="submit">"Search"</button>
        </form>
    }
}
