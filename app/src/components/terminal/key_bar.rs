//! Keys a touch keyboard lacks (Esc, Ctrl, Alt, Tab, arrows), and a find box.
//! Ctrl and Alt are sticky: they apply to the next key typed.

use leptos::prelude::*;

const KEYS: [(&str, &str, &[u8]); 6] = [
    ("Esc", "Escape", b"\x1b"),
    ("Tab", "Tab", b"\t"),
    ("←", "Left arrow", b"\x1b[D"),
    ("↑", "Up arrow", b"\x1b[A"),
    ("↓", "Down arrow", b"\x1b[B"),
    ("→", "Right arrow", b"\x1b[C"),
];

#[component]
pub fn KeyBar(
    send: Callback<Vec<u8>>,
    find: Callback<String>,
    ctrl: RwSignal<bool>,
    alt: RwSignal<bool>,
) -> AnyView {
    let sticky = |label: &'static str, flag: RwSignal<bool>| {
        view! {
            <button
                type="button"
                class="term-key"
                aria-pressed=move || flag.get().to_string()
                on:click=move |_| flag.update(|f| *f = !*f)
            >
                {label}
            </button>
        }
    };
    let search = RwSignal::new(String::new());
    view! {
        <div class="term-keys" role="toolbar" aria-label="Terminal keys">
            {KEYS
                .iter()
                .map(|(label, name, bytes)| {
                    let bytes = bytes.to_vec();
                    view! {
                        <button
                            type="button"
                            class="term-key"
                            aria-label=*name
                            on:click=move |_| send.run(bytes.clone())
                        >
                            {*label}
                        </button>
                    }
                })
                .collect_view()}
            {sticky("Ctrl", ctrl)}
            {sticky("Alt", alt)}
            <input
                class="term-find"
                type="search"
                placeholder="Find"
                aria-label="Find in terminal"
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        find.run(search.get_untracked());
                    }
                }
            />
        </div>
    }
    .into_any()
}
