//! The Resources library in the server: opening it at start-up, the public health report
//! at `/api/health/content`, and `workbench content check`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use workbench_config::Config;
use workbench_content::{Content, Report, Store};

use crate::state::AppState;

/// Loads the library, indexes it into the shared store, and starts the file watcher.
pub fn open(config: &Config) -> anyhow::Result<Arc<Content>> {
    let store = Store::open(&config.server.store_path())?;
    let content = Content::open(config.content.roots(), store)?;
    if config.content.watch
        && let Err(err) = content.watch()
    {
        // Serving matters more than live reload.
        tracing::warn!(error = %err, "content: not watching for changes");
    }
    Ok(content)
}

/// `GET /api/health/content`: the health report of the files being served. It names
/// only content files and their problems, nothing private. 503 when there are errors.
pub async fn health(State(state): State<AppState>) -> Response {
    let content = state.content.clone();
    match tokio::task::spawn_blocking(move || content.health()).await {
        Ok(report) => {
            let status = if report.ok() {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (status, Json(Arc::unwrap_or_clone(report))).into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "content health check failed to run");
            crate::pages::error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The content check could not run; see the server log.",
                false,
            )
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// One line per problem, then a summary.
    #[default]
    Text,
    /// The report as JSON (the same as /api/health/content).
    Json,
}

/// `workbench content check`: returns whether the content is free of errors.
pub fn run_check(
    config_path: Option<&Path>,
    dirs: &[PathBuf],
    format: Format,
) -> anyhow::Result<bool> {
    let roots = if dirs.is_empty() {
        workbench_config::Config::load(config_path)?.content.roots()
    } else {
        dirs.to_vec()
    };
    let report: Report = workbench_content::check(&roots);
    let out = match format {
        Format::Text => report.to_text(),
        Format::Json => {
            serde_json::to_string_pretty(&report).context("writing the report as JSON")? + "\n"
        }
    };
    print!("{out}");
    Ok(report.ok())
}
