//! `/resources/<section>/<slug>`: one entry, rendered on the server, with its table of contents.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::resources::markdown::Markdown;
use crate::components::resources::search_box::SearchBox;
use crate::components::resources::tags::Tags;
use crate::resources::{EntryView, get_entry};
use crate::routes::not_found::NotFound;

#[component]
pub fn EntryPage() -> impl IntoView {
    let params = use_params_map();
    let entry = Resource::new(
        move || {
            let p = params.read();
            (
                p.get("section").unwrap_or_default(),
                p.get("slug").unwrap_or_default(),
            )
        },
        |(section, slug)| get_entry(section, slug),
    );
    view! {
        <div class="page resources">
            <SearchBox />
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entry.await {
                        Ok(Some(e)) => view! { <Entry entry=e /> }.into_any(),
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(_) => view! { <p class="error">"The library could not be read. Reload the page; if it persists, check the server log."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Entry(entry: EntryView) -> impl IntoView {
    let EntryView {
        section,
        section_title,
        title,
        summary,
        tags,
        updated,
        html,
        toc,
        ..
    } = entry;
    view! {
        <Title text=title.clone() />
        <Meta name="description" content=summary.clone() />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/resources">"Resources"</a>" / "<a href=format!("/resources/{section}")>{section_title}</a>
        </nav>
        <header class="entry-header">
            <h1>{title}</h1>
            <p class="lede">{summary}</p>
            <div class="entry-meta">
                <Tags tags />
                <span class="updated">"Updated "<time datetime=updated.clone()>{updated.clone()}</time></span>
            </div>
        </header>
        <div class="entry-layout">
            {(!toc.is_empty()).then(|| view! {
                <nav class="toc" aria-label="On this page">
                    <h2>"On this page"</h2>
                    <ol>
                        {toc.into_iter().map(|t| view! {
                            <li class=format!("toc-level-{}", t.level)><a href=format!("#{}", t.id)>{t.text}</a></li>
                        }).collect_view()}
                    </ol>
                </nav>
            })}
            <Markdown html />
        </div>
    }
}
