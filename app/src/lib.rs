//! Workbench's UI: the HTML shell, the routes, and the server functions the pages call.
//! Compiled twice: with `ssr` into the server, with `hydrate` into the browser's WASM.

#![recursion_limit = "256"]

pub mod auth;
pub mod components;
pub mod json_text;
pub mod resources;
pub mod routes;
pub mod split;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::top_bar::TopBar;
use crate::routes::{error::ErrorPage, not_found::NotFound, workbench::WorkbenchPage};
use crate::split::{entry_page, homelab_page, resources_page, search_page, section_page};

/// The document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests and scripts wait on this mark.
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/workbench.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="color-scheme" content="dark light" />
        <Title formatter=|page: String| if page.is_empty() { "Workbench".to_string() } else { format!("{page} · Workbench") } />
        <Router>
            <TopBar />
            <main id="main">
                <ErrorBoundary fallback=|_errors| view! { <ErrorPage /> }>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/workbench/brain" /> } />
                    <Route path=path!("/workbench") view=|| view! { <Redirect path="/workbench/brain" /> } />
                    <Route path=path!("/workbench/:tab") view=WorkbenchPage />
                    <Route path=path!("/homelab") view=homelab_page />
                    // Async: the whole page, and its status (404), is ready before the first
                    // byte, so it is complete without JavaScript.
                    <Route path=path!("/resources") view=resources_page ssr=SsrMode::Async />
                    <Route path=path!("/resources/search") view=search_page ssr=SsrMode::Async />
                    <Route path=path!("/resources/:section") view=section_page ssr=SsrMode::Async />
                    <Route path=path!("/resources/:section/:slug") view=entry_page ssr=SsrMode::Async />
                </Routes>
                </ErrorBoundary>
            </main>
        </Router>
    }
}
