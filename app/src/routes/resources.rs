//! `/resources`: the Markdown library's sections. Public, and complete without JavaScript.

pub mod entry;
pub mod search;
pub mod section;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::resources::search_box::SearchBox;
use crate::resources::list_sections;

/// The library's sections: slug, title, what it holds (the server's list is the source of
/// truth; this one lets the page render its frame before the counts arrive).
pub const SECTIONS: [(&str, &str, &str); 8] = [
    (
        "cheatsheets",
        "Cheatsheets",
        "The commands you reach for every week.",
    ),
    ("kubernetes", "Kubernetes", "Complete manifests, explained."),
    (
        "docker-compose",
        "Docker Compose",
        "Whole stacks that run as written.",
    ),
    (
        "comparisons",
        "Comparisons",
        "Side-by-side tables, with sources.",
    ),
    (
        "tutorials",
        "Tutorials",
        "Step-by-step playbooks with rollbacks.",
    ),
    (
        "config-files",
        "Config Files",
        "Commented production configurations.",
    ),
    (
        "stack",
        "Stack",
        "The services of a homelab and what each is for.",
    ),
    ("iac", "IaC", "Ansible, Terraform and shell templates."),
];

#[component]
pub fn ResourcesPage() -> impl IntoView {
    let sections = Resource::new(|| (), |()| list_sections());
    view! {
        <Title text="Resources" />
        <div class="page resources">
            <SearchBox />
            <h1>"Resources"</h1>
            <p class="lede">"A library for running a homelab: commands, manifests, stacks, comparisons and playbooks."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let counts = sections.await.unwrap_or_default();
                    view! {
                        <ul class="section-grid">
                            {SECTIONS
                                .iter()
                                .map(|(slug, title, what)| {
                                    let n = counts.iter().find(|c| c.slug == *slug).map_or(0, |c| c.entries);
                                    view! {
                                        <li class="section-card" data-section=*slug>
                                            <h2><a href=format!("/resources/{slug}")>{*title}</a></h2>
                                            <p>{*what}</p>
                                            <p class="count">{format!("{n} entries")}</p>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            </Suspense>
        </div>
    }
}
