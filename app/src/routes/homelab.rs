//! `/homelab`: hosts and the service control panel.
//!
//! A signed-in page (see server/src/auth.rs): admins see real names and addresses and
//! the service panel; everyone else only the host aliases and their status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::page_identity;
use crate::components::hosts::overview::HostsOverview;
use crate::components::services::ServicesPanel;

#[component]
pub fn HomelabPage() -> impl IntoView {
    let admin = page_identity().is_some_and(|id| id.admin);
    view! {
        <Title text="Homelab" />
        <div class="page">
            <h1>"Homelab"</h1>
            <HostsOverview />
            // The panel's API is admin-only: others get a sentence, not a 403 loop.
            {if admin {
                view! { <ServicesPanel /> }.into_any()
            } else {
                view! {
                    <p class="dim services-admin-only">
                        "Service control is for the admins listed in auth.admins."
                    </p>
                }
                .into_any()
            }}
        </div>
    }
}
