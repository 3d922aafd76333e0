//! The state built once at start-up and shared by every request.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::{Env, LeptosOptions};
use workbench_config::Config;
use workbench_terminal::Terminals;

use app::components::code::CodeProbe;

use crate::auth::Authenticator;
use crate::homelab::{self, code::HttpCodeProbe, hosts::HostMonitor};
use crate::services::{AuditLog, ServiceController};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub auth: Authenticator,
    pub code: Arc<dyn CodeProbe>,
    pub hosts: Arc<HostMonitor>,
    pub services: ServiceController,
    pub audit: AuditLog,
    /// The Resources library and its search index.
    pub content: Arc<workbench_content::Content>,
    pub terminals: Terminals,
    pub brain: crate::brain::BrainService,
}

impl AppState {
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let site_root = config.server.site_root.to_string_lossy().into_owned();
        if !config.server.site_root.join("pkg").is_dir() {
            tracing::warn!(
                site_root,
                "no built site here: pages will render without scripts or styles; run `make run` \
                 (or `cargo leptos build --release`), or set server.site_root"
            );
        }
        let leptos_options = LeptosOptions::builder()
            .output_name("workbench")
            .site_root(site_root)
            .site_pkg_dir("pkg")
            .site_addr(config.server.addr)
            .env(Env::PROD)
            .build();
        let auth = Authenticator::new(&config.auth)?;
        let http = homelab::http_client()?;
        let code = Arc::new(HttpCodeProbe::new(config.code.parsed_url(), http.clone()));
        let hosts = HostMonitor::new(config.hosts.clone(), http, homelab::CONNECT_TIMEOUT);
        hosts.spawn();
        let services = ServiceController::new(&config.docker);
        let audit = AuditLog::open(&config.server.data_dir)?;
        let content = crate::content::open(&config)?;
        let terminals = Terminals::new(config.terminal.clone());
        let brain = crate::brain::BrainService::open(&config)?;
        crate::brain::spawn_auto_index(&brain, content.clone());
        Ok(Self {
            leptos_options,
            config: Arc::new(config),
            auth,
            code,
            hosts,
            services,
            audit,
            content,
            terminals,
            brain,
        })
    }
}
