//! The page for any URL that matches nothing.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::status::set_http_status;

#[component]
pub fn NotFound() -> impl IntoView {
    set_http_status(404);
    view! {
        <Title text="Not found" />
        <div class="message-page">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p><a href="/workbench/brain">"Go to the Workbench"</a>" · "<a href="/resources">"Browse Resources"</a></p>
        </div>
    }
}
