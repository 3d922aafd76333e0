//! Thin bindings to xterm.js 6 (`@xterm/xterm`) and the four add-ons we load, from the
//! copies in the site's assets (`tools/copy-xterm.sh`). Only what we call.
//!
//! They are not imported by the page: wasm-bindgen puts every `raw_module` import in the
//! main JS glue, so every page would download xterm.js. [`load`] imports them on first use
//! (`public/js/xterm-loader.mjs`) under the global name `workbenchXterm`, which the
//! bindings below resolve when called. Call nothing here before [`load`] has finished.
//!
//! Not `xterm-js-rs`: it binds the xterm.js 4 API (last release 2021; several options it
//! sets were removed in 5) and imports the bare module name `xterm`, which a browser can
//! only resolve through an import map. The loader imports by URL, with no bundler.

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "/js/xterm-loader.mjs")]
extern "C" {
    #[wasm_bindgen(js_name = loadXterm)]
    fn load_xterm() -> Promise;
}

/// Loads xterm.js and its add-ons (once per page; a failure may be retried).
pub async fn load() -> Result<(), JsValue> {
    wasm_bindgen_futures::JsFuture::from(load_xterm())
        .await
        .map(drop)
}

#[wasm_bindgen(js_namespace = workbenchXterm)]
extern "C" {
    pub type Terminal;

    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> Terminal;

    #[wasm_bindgen(method)]
    pub fn open(this: &Terminal, parent: &web_sys::HtmlElement);

    #[wasm_bindgen(method, js_name = write)]
    pub fn write_bytes(this: &Terminal, data: &Uint8Array);

    #[wasm_bindgen(method, js_name = write)]
    pub fn write_bytes_then(this: &Terminal, data: &Uint8Array, done: &Function);

    #[wasm_bindgen(method, js_name = write)]
    pub fn write_str(this: &Terminal, data: &str);

    #[wasm_bindgen(method, js_name = onData)]
    pub fn on_data(this: &Terminal, listener: &Function) -> JsValue;

    #[wasm_bindgen(method, js_name = onBinary)]
    pub fn on_binary(this: &Terminal, listener: &Function) -> JsValue;

    #[wasm_bindgen(method, js_name = onResize)]
    pub fn on_resize(this: &Terminal, listener: &Function) -> JsValue;

    #[wasm_bindgen(method, js_name = onTitleChange)]
    pub fn on_title_change(this: &Terminal, listener: &Function) -> JsValue;

    #[wasm_bindgen(method, js_name = onSelectionChange)]
    pub fn on_selection_change(this: &Terminal, listener: &Function) -> JsValue;

    #[wasm_bindgen(method, js_name = getSelection)]
    pub fn get_selection(this: &Terminal) -> String;

    #[wasm_bindgen(method, js_name = loadAddon)]
    pub fn load_addon(this: &Terminal, addon: &JsValue);

    #[wasm_bindgen(method, getter)]
    pub fn cols(this: &Terminal) -> u16;

    #[wasm_bindgen(method, getter)]
    pub fn rows(this: &Terminal) -> u16;

    #[wasm_bindgen(method, getter)]
    pub fn unicode(this: &Terminal) -> JsValue;

    #[wasm_bindgen(method, getter)]
    pub fn options(this: &Terminal) -> JsValue;

    #[wasm_bindgen(method)]
    pub fn focus(this: &Terminal);

    #[wasm_bindgen(method)]
    pub fn reset(this: &Terminal);

    #[wasm_bindgen(method)]
    pub fn dispose(this: &Terminal);
}

#[wasm_bindgen(js_namespace = workbenchXterm)]
extern "C" {
    pub type FitAddon;

    #[wasm_bindgen(constructor)]
    pub fn new() -> FitAddon;

    #[wasm_bindgen(method)]
    pub fn fit(this: &FitAddon);
}

#[wasm_bindgen(js_namespace = workbenchXterm)]
extern "C" {
    pub type WebLinksAddon;

    #[wasm_bindgen(constructor)]
    pub fn new() -> WebLinksAddon;
}

#[wasm_bindgen(js_namespace = workbenchXterm)]
extern "C" {
    pub type SearchAddon;

    #[wasm_bindgen(constructor)]
    pub fn new() -> SearchAddon;

    #[wasm_bindgen(method, js_name = findNext)]
    pub fn find_next(this: &SearchAddon, term: &str) -> bool;
}

#[wasm_bindgen(js_namespace = workbenchXterm)]
extern "C" {
    pub type Unicode11Addon;

    #[wasm_bindgen(constructor)]
    pub fn new() -> Unicode11Addon;
}
