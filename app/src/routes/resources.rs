//! `/resources`: the Markdown library's sections. Public, and complete without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

/// The library's sections: slug, title, what it holds.
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
    view! {
        <Title text="Resources" />
        <div class="page">
            <h1>"Resources"</h1>
            <p class="lede">"A library for running a homelab. The pages themselves are not built yet."</p>
            <ul class="section-grid">
                {SECTIONS
                    .iter()
                    .map(|(slug, title, what)| view! {
                        <li class="section-card" data-section=*slug>
                            <h2>{*title}</h2>
                            <p>{*what}</p>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
