//! The Workbench server: builds the state once, wires the router, and serves it.
//! Tests use [`router`] and [`serve`] with a listener on port 0.

pub mod api_errors;
pub mod auth;
pub mod brain;
pub mod cli;
pub mod content;
pub mod csp;
pub mod health;
pub mod homelab;
pub mod pages;
pub mod services;
pub mod sqlite;
pub mod state;
pub mod telemetry;

use std::future::Future;
use std::path::Path;

use anyhow::Context;
use app::{App, shell};
use axum::Router;
use axum::serve::ListenerExt;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use workbench_config::{AuthMode, Config};

pub use state::AppState;

/// Every route, behind the auth layer and the request tracing.
pub fn router(state: AppState) -> Router {
    // The app's redirecting routes answer with a real 307 here rather than a rendered page.
    let routes: Vec<_> = generate_route_list(App)
        .into_iter()
        .filter(|route| !REDIRECTS.contains(&route.path()))
        .collect();
    let leptos_options = state.leptos_options.clone();
    let context_state = state.clone();
    let render_context = move || {
        provide_context(context_state.clone());
        provide_context(context_state.content.clone());
        csp::provide_request_nonce();
        homelab::provide_context(&context_state);
    };
    Router::new()
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/api/health/content", axum::routing::get(content::health))
        .route("/", axum::routing::get(redirect_to_workbench))
        .route("/workbench", axum::routing::get(redirect_to_workbench))
        .merge(services::api::routes())
        .merge(brain::api::routes())
        .merge(workbench_terminal::router::<AppState>())
        .leptos_routes_with_context(&state, routes, render_context.clone(), move || {
            shell(leptos_options.clone())
        })
        .route("/api/{*rest}", axum::routing::any(api_errors::not_found))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(render_context, shell))
        .layer(axum::middleware::from_fn(api_errors::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csp::layer,
        ))
        .layer(telemetry::trace_layer())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            pages::panic_response,
        ))
        .with_state(state)
}

/// Paths that only send the browser to the default tab.
const REDIRECTS: [&str; 2] = ["/", "/workbench"];

async fn redirect_to_workbench() -> axum::response::Redirect {
    axum::response::Redirect::temporary("/workbench/brain")
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener
        .local_addr()
        .context("reading the listening address")?;
    // Config validation already refuses this; the listener is what actually matters.
    if state.config.auth.mode == AuthMode::Local && !addr.ip().is_loopback() {
        anyhow::bail!(
            "refusing to serve on {addr} with auth.mode = \"local\": without authentication \
             only a loopback address is allowed; set auth.mode = \"cloudflare-access\" to listen beyond it"
        );
    }
    tracing::info!(%addr, auth = %state.config.auth.mode, "listening on http://{addr}");
    // Pages stream in several chunks; without TCP_NODELAY the last one waits on the
    // client's delayed ACK (~40 ms per keep-alive request).
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(%err, "could not set TCP_NODELAY");
        }
    });
    let terminals = state.terminals.clone();
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP");
    // Terminal processes end with the server: signalled and reaped, never orphaned.
    terminals.shutdown().await;
    served
}

/// `workbench serve`: load the config, build the state, serve until SIGTERM or Ctrl-C.
pub fn run_serve(config_path: Option<&Path>) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    telemetry::init(&config.log.filter)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let state = AppState::new(config)?;
        // Opens the per-container status sessions now, so the first Services request is as
        // fast as the rest (docs/BENCHMARKS.md, issue 4). Failures are the panel's to report.
        let services = state.services.clone();
        tokio::spawn(async move {
            let _ = services.overview().await;
        });
        let addr = state.config.server.addr;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}; is another server using it? Set server.addr to another port"))?;
        serve(listener, state, shutdown_signal()).await
    })
}

/// Completes on SIGTERM (systemd, Docker) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
