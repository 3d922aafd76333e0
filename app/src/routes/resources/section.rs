//! `/resources/<section>`: the section's entries with summary, tags and last update.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::resources::search_box::SearchBox;
use crate::components::resources::tags::Tags;
use crate::resources::get_section;
use crate::routes::not_found::NotFound;

#[component]
pub fn SectionPage() -> impl IntoView {
    let params = use_params_map();
    let section = Resource::new(
        move || params.read().get("section").unwrap_or_default(),
        get_section,
    );
    view! {
        <div class="page resources">
            <SearchBox />
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match section.await {
                        Ok(Some(s)) => view! {
                            <Title text=s.title.clone() />
                            <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/resources">"Resources"</a></nav>
                            <h1>{s.title.clone()}</h1>
                            <p class="lede">{s.blurb.clone()}</p>
                            <ul class="entry-list">
                                {s.entries
                                    .into_iter()
                                    .map(|e| view! {
                                        <li class="entry-card">
                                            <h2><a href=format!("/resources/{}/{}", s.slug, e.slug)>{e.title}</a></h2>
                                            <p>{e.summary}</p>
                                            <div class="entry-meta">
                                                <Tags tags=e.tags />
                                                <span class="updated">"Updated "<time datetime=e.updated.clone()>{e.updated.clone()}</time></span>
                                            </div>
                                        </li>
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(_) => view! { <p class="error">"The library could not be read. Reload the page; if it persists, check the server log."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
