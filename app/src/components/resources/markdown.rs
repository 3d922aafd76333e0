//! An entry's body: HTML rendered and sanitised on the server. The copy buttons inside it
//! work through one delegated click handler, since the HTML is not made of components.

use leptos::prelude::*;

#[component]
pub fn Markdown(html: String) -> impl IntoView {
    view! { <article class="markdown" inner_html=html on:click=copy_code></article> }
}

#[cfg(feature = "hydrate")]
fn copy_code(ev: leptos::ev::MouseEvent) {
    use leptos::wasm_bindgen::JsCast;
    let Some(button) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest(".code-copy").ok().flatten())
    else {
        return;
    };
    let Some(code) = button
        .closest(".code-block")
        .ok()
        .flatten()
        .and_then(|block| block.query_selector("code").ok().flatten())
    else {
        return;
    };
    let text = code.text_content().unwrap_or_default();
    // The promise settles later; the label change is the feedback.
    let _ = window().navigator().clipboard().write_text(&text);
    button.set_text_content(Some("Copied"));
    let reset = button.clone();
    set_timeout(
        move || reset.set_text_content(Some("Copy")),
        std::time::Duration::from_secs(2),
    );
}

#[cfg(not(feature = "hydrate"))]
fn copy_code(_ev: leptos::ev::MouseEvent) {}
