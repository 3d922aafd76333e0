//! Whether the configured code-server answers, asked from the server with the shared client.

use std::future::Future;
use std::pin::Pin;

use app::components::code::{CodeAvailability, CodeProbe};

pub struct HttpCodeProbe {
    url: Option<url::Url>,
    client: reqwest::Client,
}

impl HttpCodeProbe {
    pub fn new(url: Option<url::Url>, client: reqwest::Client) -> Self {
        Self { url, client }
    }
}

impl CodeProbe for HttpCodeProbe {
    fn status(&self) -> Pin<Box<dyn Future<Output = CodeAvailability> + Send + '_>> {
        Box::pin(async move {
            let Some(url) = &self.url else {
                return CodeAvailability::NotConfigured;
            };
            let shown = url.to_string();
            match self.client.head(url.clone()).send().await {
                // Any status: code-server, its login page, or an Access redirect all answer.
                Ok(_) => CodeAvailability::Ready { url: shown },
                Err(err) => {
                    tracing::info!(
                        timeout = err.is_timeout(),
                        connect = err.is_connect(),
                        "code.url did not answer"
                    );
                    CodeAvailability::Unreachable { url: shown }
                }
            }
        })
    }
}
