//! `/homelab`: hosts and the service control panel.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::services::ServicesPanel;

#[component]
pub fn HomelabPage() -> impl IntoView {
    view! {
        <Title text="Homelab" />
        <div class="page">
            <h1>"Homelab"</h1>
            <ServicesPanel />
        </div>
    }
}
