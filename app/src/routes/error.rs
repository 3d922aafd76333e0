//! What a page shows when something under it failed: a plain apology, never the error's
//! text (which can carry internal detail); the server has logged it.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::status::set_http_status;

#[component]
pub fn ErrorPage() -> impl IntoView {
    set_http_status(500);
    view! {
        <Title text="Something went wrong" />
        <div class="message-page">
            <h1>"Something went wrong"</h1>
            <p>"This page could not be shown. Reload to try again; if it keeps happening, the server log says why."</p>
            <p><a href="/workbench/brain">"Go to the Workbench"</a></p>
        </div>
    }
}
