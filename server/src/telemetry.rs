//! Logs: a `tracing` subscriber with an env filter, and a span per request named by its
//! route template (never the headers, which carry tokens).

use anyhow::Context;
use axum::extract::MatchedPath;
use http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;
use tracing_subscriber::EnvFilter;

/// `RUST_LOG` wins over the configured filter.
pub fn init(configured: &str) -> anyhow::Result<()> {
    let filter = match EnvFilter::try_from_default_env() {
        Ok(filter) => filter,
        Err(_) => EnvFilter::try_new(configured)
            .with_context(|| format!("config: log.filter: {configured:?} is not a valid filter, e.g. \"info\" or \"server=debug,info\""))?,
    };
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
    Ok(())
}

pub fn trace_layer<B>() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    impl Fn(&Request<B>) -> tracing::Span + Clone,
> {
    TraceLayer::new_for_http().make_span_with(|req: &Request<B>| {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| req.uri().path().to_owned());
        tracing::info_span!("request", method = %req.method(), route)
    })
}
