//! `/resources/search?q=…`: ranked hits with the matching words highlighted. A plain GET
//! form leads here, so search works with JavaScript off too.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::resources::search_box::SearchBox;
use crate::resources::search_resources;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(q, search_resources);
    view! {
        <Title text="Search Resources" />
        <div class="page resources">
            <SearchBox />
            <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok(r) if r.query.trim().is_empty() => view! {
                            <h1>"Search Resources"</h1>
                            <p class="lede">"Type a command, a service or a question in the box above."</p>
                        }.into_any(),
                        Ok(r) => {
                            let count = r.hits.len();
                            view! {
                                <h1>"Results for “"{r.query.clone()}"”"</h1>
                                <p class="lede">{match count {
                                    0 => "Nothing matched. Try fewer or different words.".to_string(),
                                    1 => "1 page".to_string(),
                                    n => format!("{n} pages"),
                                }}</p>
                                <ol class="search-hits">
                                    {r.hits.into_iter().map(|h| view! {
                                        <li class="search-hit">
                                            <a href=h.url.clone()><span class="hit-title">{h.title}</span></a>
                                            <span class="hit-section">{h.section_title}</span>
                                            <p class="snippet">
                                                {h.snippet.into_iter().map(|(text, marked)| if marked {
                                                    view! { <mark>{text}</mark> }.into_any()
                                                } else {
                                                    text.into_any()
                                                }).collect_view()}
                                            </p>
                                        </li>
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }
                        Err(_) => view! { <p class="error">"Search failed on the server. Try again; if it persists, check the server log."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
