//! `/homelab`: hosts and the service control panel.
//!
//! A signed-in page (see server/src/auth.rs): admins see real names and addresses and
//! the service panel; everyone else only the host aliases and their status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::whoami;
use crate::components::hosts::overview::HostsOverview;
use crate::components::services::ServicesPanel;

#[component]
pub fn HomelabPage() -> impl IntoView {
    let me = OnceResource::new(whoami());
    view! {
        <Title text="Homelab" />
        <div class="page">
            <h1>"Homelab"</h1>
            <HostsOverview />
            <Suspense>
                {move || Suspend::new(async move {
                    // The panel's API is admin-only: others get a sentence, not a 403 loop.
                    match me.await {
                        Ok(Some(id)) if id.admin => view! { <ServicesPanel /> }.into_any(),
                        _ => view! {
                            <p class="dim services-admin-only">
                                "Service control is for the admins listed in auth.admins."
                            </p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
