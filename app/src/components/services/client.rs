//! The panel's calls to the services JSON API and the browser facts it needs (is the tab
//! visible, wait a while). In the server build they never run: the panel fetches after hydration.

use std::time::Duration;

use workbench_services_api::{ActionResponse, AuditEntry, ContainerView, ServicesResponse};

/// What the panel shows when a call fails: the server's message when it sent one.
pub type ClientResult<T> = Result<T, String>;

pub const BASE: &str = "/api/admin/services";

pub async fn overview() -> ClientResult<ServicesResponse> {
    get_json(BASE.to_string()).await
}

pub async fn container(host: &str, name: &str) -> ClientResult<ContainerView> {
    get_json(format!("{BASE}/{host}/{name}")).await
}

pub async fn audit(limit: usize) -> ClientResult<Vec<AuditEntry>> {
    get_json(format!("{BASE}/audit?limit={limit}")).await
}

/// The action's answer, including when it failed with the state read back.
pub async fn act(
    host: &str,
    name: &str,
    target: &str,
    action: &str,
) -> ClientResult<ActionResponse> {
    imp::post_json(format!("{BASE}/{host}/{name}/{target}/{action}")).await
}

async fn get_json<T: serde::de::DeserializeOwned>(url: String) -> ClientResult<T> {
    imp::get_json(url).await
}

pub async fn sleep(d: Duration) {
    imp::sleep(d).await
}

/// A background tab does not poll.
pub fn page_hidden() -> bool {
    imp::page_hidden()
}

#[cfg(feature = "hydrate")]
mod imp {
    use std::time::Duration;

    use gloo_net::http::{Request, Response};
    use serde::de::DeserializeOwned;

    async fn read<T: DeserializeOwned>(
        res: Result<Response, gloo_net::Error>,
    ) -> super::ClientResult<T> {
        let res = res.map_err(|_| "Workbench is not answering; check that it runs.".to_string())?;
        let status = res.status();
        let text = res
            .text()
            .await
            .map_err(|_| "The answer was cut off.".to_string())?;
        if let Ok(v) = serde_json::from_str::<T>(&text) {
            return Ok(v);
        }
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v["error"]["message"]
                    .as_str()
                    .or(v["error"].as_str())
                    .map(str::to_string)
            });
        Err(message.unwrap_or_else(|| format!("The server answered {status}.")))
    }

    pub async fn get_json<T: DeserializeOwned>(url: String) -> super::ClientResult<T> {
        read(
            Request::get(&url)
                .header("accept", "application/json")
                .send()
                .await,
        )
        .await
    }

    pub async fn post_json<T: DeserializeOwned>(url: String) -> super::ClientResult<T> {
        read(
            Request::post(&url)
                .header("accept", "application/json")
                .send()
                .await,
        )
        .await
    }

    pub async fn sleep(d: Duration) {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        leptos::prelude::set_timeout(
            move || {
                let _ = tx.send(());
            },
            d,
        );
        let _ = rx.await;
    }

    pub fn page_hidden() -> bool {
        leptos::prelude::document().hidden()
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use std::time::Duration;

    const NOT_HERE: &str = "only the browser calls the services API";

    pub async fn get_json<T>(_url: String) -> super::ClientResult<T> {
        Err(NOT_HERE.into())
    }
    pub async fn post_json<T>(_url: String) -> super::ClientResult<T> {
        Err(NOT_HERE.into())
    }
    pub async fn sleep(_d: Duration) {}
    pub fn page_hidden() -> bool {
        true
    }
}
