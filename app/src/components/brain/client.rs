//! The Brain's calls to the server. The answer arrives as NDJSON over one fetch, read
//! piece by piece with the same line splitter the server uses, and can be aborted (Stop).
//! In the server build these never run: the panel fetches after hydration.

use workbench_brain_api::{
    ChatEvent, ChatRequest, Conversation, ConversationSummary, IndexRequest, IndexView, Models,
    SelectModel,
};

pub type ClientResult<T> = Result<T, String>;

pub async fn conversations() -> ClientResult<Vec<ConversationSummary>> {
    imp::get_json("/api/brain/conversations").await
}

pub async fn conversation(id: i64) -> ClientResult<Conversation> {
    imp::get_json(&format!("/api/brain/conversations/{id}")).await
}

pub async fn delete_conversation(id: i64) -> ClientResult<()> {
    imp::delete(&format!("/api/brain/conversations/{id}")).await
}

pub async fn models() -> ClientResult<Models> {
    imp::get_json("/api/brain/models").await
}

pub async fn select_model(model: String) -> ClientResult<()> {
    imp::send_json::<_, serde_json::Value>("PUT", "/api/brain/model", &SelectModel { model })
        .await
        .map(|_| ())
}

pub async fn index_status() -> ClientResult<IndexView> {
    imp::get_json("/api/brain/index").await
}

pub async fn start_index(rebuild: bool) -> ClientResult<()> {
    imp::send_json::<_, serde_json::Value>(
        "POST",
        "/api/admin/brain/index",
        &IndexRequest { rebuild },
    )
    .await
    .map(|_| ())
}

/// Stops the answer being read. Browser-only: keep it in local (non-`Send`) storage.
#[derive(Clone)]
pub struct Stop(#[cfg(feature = "hydrate")] web_sys::AbortController);

impl Stop {
    pub fn new() -> Option<Stop> {
        imp::stop()
    }

    pub fn stop(&self) {
        #[cfg(feature = "hydrate")]
        self.0.abort();
    }
}

/// Asks; `on_event` sees every event as it arrives. Returns an error when the request could
/// not start or the stream broke before its end (the caller keeps what arrived).
pub async fn ask(
    request: ChatRequest,
    stop: Option<Stop>,
    on_event: impl FnMut(ChatEvent),
) -> ClientResult<()> {
    imp::ask(request, stop, on_event).await
}

#[cfg(feature = "hydrate")]
mod imp {
    use gloo_net::http::{Request, RequestBuilder, Response};
    use js_sys::{Reflect, Uint8Array};
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use workbench_brain_api::{ChatEvent, ChatRequest, LineDecoder, LineTooLong};

    use super::{ClientResult, Stop};

    const DOWN: &str = "Workbench is not answering; check that it runs.";

    async fn message_of(res: Response) -> String {
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v["error"]["message"]
                    .as_str()
                    .or(v["error"].as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| format!("The server answered {status}."))
    }

    async fn read<T: DeserializeOwned>(res: Result<Response, gloo_net::Error>) -> ClientResult<T> {
        let res = res.map_err(|_| DOWN.to_string())?;
        if !res.ok() {
            return Err(message_of(res).await);
        }
        res.json::<T>()
            .await
            .map_err(|_| "The answer could not be read.".to_string())
    }

    pub async fn get_json<T: DeserializeOwned>(url: &str) -> ClientResult<T> {
        read(Request::get(url).send().await).await
    }

    pub async fn delete(url: &str) -> ClientResult<()> {
        let res = Request::delete(url)
            .send()
            .await
            .map_err(|_| DOWN.to_string())?;
        if res.ok() {
            Ok(())
        } else {
            Err(message_of(res).await)
        }
    }

    fn builder(method: &str, url: &str) -> RequestBuilder {
        match method {
            "PUT" => Request::put(url),
            _ => Request::post(url),
        }
    }

    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        method: &str,
        url: &str,
        body: &B,
    ) -> ClientResult<T> {
        let req = builder(method, url)
            .json(body)
            .map_err(|_| "The request could not be made.".to_string())?;
        read(req.send().await).await
    }

    pub fn stop() -> Option<Stop> {
        web_sys::AbortController::new().ok().map(Stop)
    }

    pub async fn ask(
        request: ChatRequest,
        stop: Option<Stop>,
        mut on_event: impl FnMut(ChatEvent),
    ) -> ClientResult<()> {
        let signal = stop.as_ref().map(|s| s.0.signal());
        let req = Request::post("/api/brain/chat")
            .header("accept", "application/x-ndjson")
            .abort_signal(signal.as_ref())
            .json(&request)
            .map_err(|_| "The question could not be sent.".to_string())?;
        let res = req.send().await.map_err(|_| DOWN.to_string())?;
        if !res.ok() {
            return Err(message_of(res).await);
        }
        let body = res
            .body()
            .ok_or_else(|| "The answer was empty.".to_string())?;
        let reader: web_sys::ReadableStreamDefaultReader = body
            .get_reader()
            .dyn_into()
            .map_err(|_| "This browser cannot read a streamed answer.".to_string())?;
        let mut lines = LineDecoder::new(4 * 1024 * 1024);
        let unreadable = |e: LineTooLong| format!("The answer could not be read: {e}.");
        let mut handle = |line: Vec<u8>| {
            let line = String::from_utf8_lossy(&line);
            if line.trim().is_empty() {
                return;
            }
            match ChatEvent::from_line(&line) {
                Some(event) => on_event(event),
                None => leptos::logging::warn!("brain: skipped an unreadable line of the answer"),
            }
        };
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|_| "The connection broke before the answer ended.".to_string())?;
            let done = Reflect::get(&chunk, &JsValue::from_str("done"))
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            let value =
                Reflect::get(&chunk, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
            let bytes = Uint8Array::new(&value).to_vec();
            for line in lines.push(&bytes).map_err(unreadable)? {
                handle(line);
            }
        }
        if let Some(line) = lines.finish().map_err(unreadable)? {
            handle(line);
        }
        Ok(())
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use workbench_brain_api::{ChatEvent, ChatRequest};

    use super::{ClientResult, Stop};

    const SERVER: &str = "Only the browser calls the Brain API.";

    pub async fn get_json<T: DeserializeOwned>(_url: &str) -> ClientResult<T> {
        Err(SERVER.into())
    }

    pub async fn delete(_url: &str) -> ClientResult<()> {
        Err(SERVER.into())
    }

    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        _m: &str,
        _url: &str,
        _body: &B,
    ) -> ClientResult<T> {
        Err(SERVER.into())
    }

    pub fn stop() -> Option<Stop> {
        None
    }

    pub async fn ask(
        _r: ChatRequest,
        _s: Option<Stop>,
        _f: impl FnMut(ChatEvent),
    ) -> ClientResult<()> {
        Err(SERVER.into())
    }
}
