//! `/homelab`: hosts and the service control panel.
//!
//! A signed-in page (see server/src/auth.rs): admins see real names and addresses,
//! everyone else only the aliases and the status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::hosts::overview::HostsOverview;
use crate::components::services::ServicesPanel;

#[component]
pub fn HomelabPage() -> impl IntoView {
    view! {
        <Title text="Homelab" />
        <div class="page">
            <h1>"Homelab"</h1>
            <HostsOverview />
            <div class="placeholder">
                <p>"The service control panel for the services inside your containers. Not built yet."</p>
            </div>
            <ServicesPanel />
        </div>
    }
}
