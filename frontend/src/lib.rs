//! The browser entry point: hydrates the page the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The page's lazily loaded UI (app::split) must be in memory before hydration walks it.
    wasm_bindgen_futures::spawn_local(async {
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_default();
        app::split::preload_for(&path).await;
        leptos::mount::hydrate_body(app::App);
    });
}
