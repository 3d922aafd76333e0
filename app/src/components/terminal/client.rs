//! The browser side of one terminal tab: xterm.js, the WebSocket speaking the ttyd
//! protocol (the same codec as the server), flow control, and reconnecting to the same
//! session with backoff after the connection drops.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use ttyd_protocol::{
    ClientMessage, Hello, ServerMessage, WindowSize, decode_server, encode_client, encode_input,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, HtmlElement, MessageEvent, ResizeObserver, WebSocket};

use super::xterm::{FitAddon, SearchAddon, Terminal, Unicode11Addon, WebLinksAddon};
use super::{Status, TabInfo};

/// Client-side flow control, as ttyd's page does it: after this many bytes a write asks
/// xterm.js to say when it has parsed them...
const FLOW_LIMIT: usize = 100_000;
/// ...PAUSE when this many such writes are pending, RESUME below the low mark.
const FLOW_HIGH: u32 = 10;
const FLOW_LOW: u32 = 4;
/// Reconnect delays double from the first up to the last.
const BACKOFF_FIRST_MS: i32 = 500;
const BACKOFF_MAX_MS: i32 = 10_000;

/// Close codes after which reconnecting makes no sense: the session is over.
fn is_final(code: u16) -> bool {
    matches!(code, 1000 | 1002 | 1008 | 1011 | 1013 | 4001)
}

pub struct Pane {
    term: Terminal,
    fit: FitAddon,
    search: SearchAddon,
    el: HtmlElement,
    tab: TabInfo,
    ws: RefCell<Option<WebSocket>>,
    session: RefCell<Option<String>>,
    written: Cell<usize>,
    pending: Rc<Cell<u32>>,
    paused: Rc<Cell<bool>>,
    attempt: Cell<u32>,
    /// Disposed, or the session ended: never reconnect.
    done: Cell<bool>,
    /// The next title starts a (re)attach: clear the screen before the replay.
    fresh: Cell<bool>,
    ctrl: RwSignal<bool>,
    alt: RwSignal<bool>,
    observer: RefCell<Option<ResizeObserver>>,
    /// Listeners handed to JavaScript; kept alive as long as the pane.
    keep: RefCell<Vec<Box<dyn std::any::Any>>>,
    socket_keep: RefCell<Vec<Box<dyn std::any::Any>>>,
}

fn options(font_family: &str, font_size: u16) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&o, &k.into(), &v);
    };
    set("fontFamily", font_family.into());
    set("fontSize", font_size.into());
    set("cursorBlink", true.into());
    set("allowProposedApi", true.into());
    set("scrollback", 5000.into());
    o.into()
}

impl Pane {
    pub fn start(
        el: HtmlElement,
        tab: TabInfo,
        ctrl: RwSignal<bool>,
        alt: RwSignal<bool>,
    ) -> Rc<Pane> {
        let term = Terminal::new(&options(
            "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
            14,
        ));
        let fit = FitAddon::new();
        let search = SearchAddon::new();
        term.load_addon(&fit);
        term.load_addon(&WebLinksAddon::new());
        term.load_addon(&search);
        term.load_addon(&Unicode11Addon::new());
        let _ = Reflect::set(&term.unicode(), &"activeVersion".into(), &"11".into());
        term.open(&el);
        let pane = Rc::new(Pane {
            term,
            fit,
            search,
            el,
            tab,
            ws: RefCell::new(None),
            // A tab restored after a reload reattaches to its session.
            session: RefCell::new(tab.session.get_untracked()),
            written: Cell::new(0),
            pending: Rc::new(Cell::new(0)),
            paused: Rc::new(Cell::new(false)),
            attempt: Cell::new(0),
            done: Cell::new(false),
            fresh: Cell::new(true),
            ctrl,
            alt,
            observer: RefCell::new(None),
            keep: RefCell::new(Vec::new()),
            socket_keep: RefCell::new(Vec::new()),
        });
        pane.listen();
        pane.fit_now();
        pane.connect();
        pane
    }

    fn listen(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let on_data = Closure::<dyn Fn(String)>::new(move |data: String| {
            if let Some(p) = weak.upgrade() {
                p.typed(&data);
            }
        });
        self.term.on_data(on_data.as_ref().unchecked_ref());

        let weak = Rc::downgrade(self);
        let on_binary = Closure::<dyn Fn(String)>::new(move |data: String| {
            if let Some(p) = weak.upgrade() {
                // xterm.js hands binary input over as a string of byte-valued characters.
                let bytes: Vec<u8> = data.chars().map(|c| c as u32 as u8).collect();
                p.send(&encode_input(&bytes));
            }
        });
        self.term.on_binary(on_binary.as_ref().unchecked_ref());

        let weak = Rc::downgrade(self);
        let on_resize = Closure::<dyn Fn(JsValue)>::new(move |_size: JsValue| {
            if let Some(p) = weak.upgrade() {
                p.send_size();
            }
        });
        self.term.on_resize(on_resize.as_ref().unchecked_ref());

        let title = self.tab.title;
        let on_title = Closure::<dyn Fn(String)>::new(move |t: String| {
            if !t.is_empty() {
                title.set(t);
            }
        });
        self.term.on_title_change(on_title.as_ref().unchecked_ref());

        let weak = Rc::downgrade(self);
        let on_selection = Closure::<dyn Fn()>::new(move || {
            let Some(p) = weak.upgrade() else { return };
            let text = p.term.get_selection();
            if !text.is_empty() {
                // Copy on selection; the promise fails quietly without clipboard permission.
                let _ = window().navigator().clipboard().write_text(&text);
            }
        });
        self.term
            .on_selection_change(on_selection.as_ref().unchecked_ref());

        let weak = Rc::downgrade(self);
        let on_box = Closure::<dyn Fn(JsValue)>::new(move |_entries: JsValue| {
            if let Some(p) = weak.upgrade() {
                p.fit_now();
            }
        });
        if let Ok(observer) = ResizeObserver::new(on_box.as_ref().unchecked_ref()) {
            observer.observe(&self.el);
            *self.observer.borrow_mut() = Some(observer);
        }
        let mut keep = self.keep.borrow_mut();
        keep.push(Box::new(on_data));
        keep.push(Box::new(on_binary));
        keep.push(Box::new(on_resize));
        keep.push(Box::new(on_title));
        keep.push(Box::new(on_selection));
        keep.push(Box::new(on_box));
    }

    /// Fits the terminal to its box, unless the box is hidden (another tab is shown).
    pub fn fit_now(&self) {
        if self.el.offset_width() > 0 && self.el.offset_height() > 0 {
            self.fit.fit();
        }
    }

    pub fn focus(&self) {
        self.term.focus();
    }

    pub fn find(&self, text: &str) -> bool {
        self.search.find_next(text)
    }

    /// Keys typed into xterm.js, with the key bar's sticky Ctrl and Alt applied.
    fn typed(&self, data: &str) {
        let mut bytes = data.as_bytes().to_vec();
        if self.ctrl.get_untracked() && bytes.len() == 1 {
            let b = bytes[0].to_ascii_uppercase();
            if (b'@'..=b'_').contains(&b) {
                bytes[0] = b & 0x1f;
            }
            self.ctrl.set(false);
        }
        if self.alt.get_untracked() {
            bytes.insert(0, 0x1b);
            self.alt.set(false);
        }
        self.send(&encode_input(&bytes));
    }

    /// Input from the key bar.
    pub fn key(&self, bytes: &[u8]) {
        self.send(&encode_input(bytes));
        self.term.focus();
    }

    fn send(&self, frame: &[u8]) {
        if let Some(ws) = self.ws.borrow().as_ref()
            && ws.ready_state() == WebSocket::OPEN
        {
            let _ = ws.send_with_u8_array(frame);
        }
    }

    fn size(&self) -> WindowSize {
        WindowSize::new(self.term.cols().max(1), self.term.rows().max(1)).unwrap_or_default()
    }

    fn send_size(&self) {
        self.send(&encode_client(&ClientMessage::Resize(self.size())));
    }

    fn connect(self: &Rc<Self>) {
        if self.done.get() {
            return;
        }
        self.tab.status.set(if self.attempt.get() == 0 {
            Status::Connecting
        } else {
            Status::Reconnecting
        });
        let pane = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match fetch_token(pane.tab.profile).await {
                Some(token) => pane.open_socket(token),
                None => pane.retry(),
            }
        });
    }

    fn open_socket(self: &Rc<Self>, token: String) {
        let location = window().location();
        let scheme = if location.protocol().ok().as_deref() == Some("https:") {
            "wss"
        } else {
            "ws"
        };
        let host = location.host().unwrap_or_default();
        let session = self
            .session
            .borrow()
            .clone()
            .unwrap_or_else(|| "new".into());
        let url = format!(
            "{scheme}://{host}/terminal/{}/ws?session={session}",
            self.tab.profile
        );
        let Ok(ws) = WebSocket::new_with_str(&url, ttyd_protocol::SUBPROTOCOL) else {
            self.retry();
            return;
        };
        ws.set_binary_type(BinaryType::Arraybuffer);

        let weak = Rc::downgrade(self);
        let on_open = Closure::<dyn Fn()>::new(move || {
            let Some(p) = weak.upgrade() else { return };
            p.fit_now();
            let hello = ClientMessage::Hello(Hello {
                auth_token: token.clone(),
                size: p.size(),
            });
            p.fresh.set(true);
            p.send(&encode_client(&hello));
        });
        let weak = Rc::downgrade(self);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(p) = weak.upgrade() {
                let bytes = Uint8Array::new(&ev.data()).to_vec();
                p.received(&bytes);
            }
        });
        let weak = Rc::downgrade(self);
        let on_close = Closure::<dyn Fn(CloseEvent)>::new(move |ev: CloseEvent| {
            if let Some(p) = weak.upgrade() {
                p.closed(ev.code(), &ev.reason());
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.ws.borrow_mut() = Some(ws);
        let mut keep = self.socket_keep.borrow_mut();
        keep.clear();
        keep.push(Box::new(on_open));
        keep.push(Box::new(on_message));
        keep.push(Box::new(on_close));
    }

    fn received(&self, bytes: &[u8]) {
        match decode_server(bytes) {
            Ok(ServerMessage::SetWindowTitle(title)) => {
                if self.fresh.replace(false) {
                    // A replay of the scrollback follows: start from a clean screen.
                    self.term.reset();
                    self.written.set(0);
                }
                self.tab.title.set(title);
            }
            Ok(ServerMessage::SetPreferences(prefs)) => {
                if let Some(id) = prefs.get("session").and_then(|v| v.as_str()) {
                    let previous = self.session.replace(Some(id.to_owned()));
                    self.tab.session.set(Some(id.to_owned()));
                    if previous.is_some_and(|p| p != id) {
                        self.term.write_str(
                            "\x1b[2m[the previous session had ended; this is a new one]\x1b[0m\r\n",
                        );
                    }
                }
                // Fonts and colours come from [terminal] in the server's config (validated
                // there: colours are plain #hex / rgb() / rgba()).
                let options = self.term.options();
                for key in ["fontFamily", "fontSize", "theme"] {
                    if let Some(value) = prefs.get(key)
                        && let Ok(value) = serde_wasm(value)
                    {
                        let _ = Reflect::set(&options, &key.into(), &value);
                    }
                }
                self.fit_now();
                self.attempt.set(0);
                self.tab.status.set(Status::Connected);
                // A paused flag from the previous connection means nothing to this one.
                self.paused.set(false);
                self.pending.set(0);
            }
            Ok(ServerMessage::Output(data)) => self.write_output(&data),
            Err(_) => {}
        }
    }

    fn write_output(&self, data: &[u8]) {
        let array = Uint8Array::from(data);
        let written = self.written.get() + data.len();
        if written <= FLOW_LIMIT {
            self.written.set(written);
            self.term.write_bytes(&array);
            return;
        }
        self.written.set(0);
        self.pending.set(self.pending.get() + 1);
        let pending = self.pending.clone();
        let paused = self.paused.clone();
        let ws = self.ws.borrow().clone();
        let done = Closure::once_into_js(move || {
            pending.set(pending.get().saturating_sub(1));
            if paused.get() && pending.get() < FLOW_LOW {
                paused.set(false);
                if let Some(ws) = ws {
                    let _ = ws.send_with_u8_array(&encode_client(&ClientMessage::Resume));
                }
            }
        });
        self.term
            .write_bytes_then(&array, done.unchecked_ref::<Function>());
        if self.pending.get() > FLOW_HIGH && !self.paused.get() {
            self.paused.set(true);
            self.send(&encode_client(&ClientMessage::Pause));
        }
    }

    fn closed(self: &Rc<Self>, code: u16, reason: &str) {
        if self.done.get() {
            return;
        }
        if is_final(code) {
            self.done.set(true);
            let note = match code {
                1000 => "process exited".to_string(),
                4001 => "this session was opened in another tab".to_string(),
                _ if reason.is_empty() => format!("closed ({code})"),
                _ => reason.to_string(),
            };
            self.term
                .write_str(&format!("\r\n\x1b[2m[{note}]\x1b[0m\r\n"));
            self.tab.status.set(Status::Ended(note));
            return;
        }
        self.retry();
    }

    fn retry(self: &Rc<Self>) {
        if self.done.get() {
            return;
        }
        self.tab.status.set(Status::Reconnecting);
        let attempt = self.attempt.get();
        self.attempt.set(attempt + 1);
        let delay = BACKOFF_FIRST_MS
            .saturating_mul(1 << attempt.min(5))
            .min(BACKOFF_MAX_MS);
        let weak = Rc::downgrade(self);
        let again = Closure::once_into_js(move || {
            if let Some(p) = weak.upgrade() {
                p.connect();
            }
        });
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(again.unchecked_ref(), delay);
    }

    /// The tab was closed: end the session on the server (close code 1000) and let go.
    pub fn dispose(&self) {
        self.done.set(true);
        if let Some(ws) = self.ws.borrow_mut().take() {
            ws.set_onclose(None);
            ws.set_onmessage(None);
            let _ = ws.close_with_code_and_reason(1000, "tab closed");
        }
        if let Some(o) = self.observer.borrow_mut().take() {
            o.disconnect();
        }
        self.term.dispose();
    }
}

/// A JSON string, number, or object of those (the theme) as a JavaScript value: all the
/// preferences we apply are.
fn serde_wasm(value: &serde_json::Value) -> Result<JsValue, ()> {
    match value {
        serde_json::Value::String(s) => Ok(s.into()),
        serde_json::Value::Number(n) => n.as_f64().map(JsValue::from).ok_or(()),
        serde_json::Value::Object(map) => {
            let o = Object::new();
            for (k, v) in map {
                if let serde_json::Value::String(s) = v {
                    let _ = Reflect::set(&o, &k.into(), &s.into());
                }
            }
            Ok(o.into())
        }
        _ => Err(()),
    }
}

async fn fetch_token(profile: &str) -> Option<String> {
    let promise = window().fetch_with_str(&format!("/terminal/{profile}/token"));
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    serde_json::from_str::<ttyd_protocol::TokenResponse>(&text)
        .ok()
        .map(|t| t.token)
}

/// `GET /terminal/profiles`.
pub async fn fetch_profiles() -> Result<Vec<super::ProfileInfo>, String> {
    let promise = window().fetch_with_str("/terminal/profiles");
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| "The server did not answer; is it running?".to_string())?
        .dyn_into()
        .map_err(|_| "unexpected answer".to_string())?;
    if response.status() == 401 || response.status() == 403 {
        return Err(
            "Terminals are for admins (auth.admins); sign in with an admin account.".into(),
        );
    }
    if !response.ok() {
        return Err(format!(
            "The server answered {} for the terminal profiles.",
            response.status()
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(
        response
            .text()
            .map_err(|_| "unreadable answer".to_string())?,
    )
    .await
    .ok()
    .and_then(|t| t.as_string())
    .unwrap_or_default();
    serde_json::from_str(&text).map_err(|_| "The terminal profiles could not be read.".to_string())
}
