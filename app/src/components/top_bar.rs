//! The bar across the top of every page: the three areas and who is signed in.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::auth::{SignIn, page_identity};

/// Where Cloudflare Access ends the session.
const ACCESS_LOGOUT: &str = "/cdn-cgi/access/logout";

#[component]
pub fn TopBar() -> impl IntoView {
    let location = use_location();
    let current = move |prefix: &'static str| {
        let path = location.pathname.get();
        (path == prefix || path.starts_with(&format!("{prefix}/"))).then_some("page")
    };
    let me = page_identity();
    let who_json = serde_json::to_string(&me).unwrap_or_default();
    view! {
        <header class="top-bar">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <a class="brand" href="/workbench/brain">
                <span class="brand-mark" aria-hidden="true">"▚"</span>
                "Workbench"
            </a>
            <nav aria-label="Main">
                <a href="/workbench/brain" aria-current=move || current("/workbench")>"Workbench"</a>
                <a href="/homelab" aria-current=move || current("/homelab")>"Homelab"</a>
                <a href="/resources" aria-current=move || current("/resources")>"Resources"</a>
            </nav>
            <div class="who" data-who=who_json>
                {match me {
                    Some(id) if id.via == SignIn::CloudflareAccess => view! {
                        <span class="who-name" title="Signed in with Cloudflare Access">{id.name}</span>
                        <a class="who-logout" href=ACCESS_LOGOUT rel="external">"Sign out"</a>
                    }.into_any(),
                    Some(_) => view! {
                        <span class="who-local" title="auth.mode = local: no sign-in, loopback only">"local"</span>
                    }.into_any(),
                    None => view! { <span class="who-anon">"not signed in"</span> }.into_any(),
                }}
            </div>
        </header>
    }
}
