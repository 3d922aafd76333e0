//! `/homelab`: hosts and the service control panel.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomelabPage() -> impl IntoView {
    view! {
        <Title text="Homelab" />
        <div class="page">
            <h1>"Homelab"</h1>
            <div class="placeholder">
                <p>"Hosts with their status, and the service control panel for the services inside your containers. Not built yet."</p>
            </div>
        </div>
    }
}
