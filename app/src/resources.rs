//! The Resources library as the pages see it: the data each page shows, and the server
//! functions that read it from the loaded library (public, under `/api/resources/`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::json_text::JsonText;

/// A section on the `/resources` page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionCard {
    pub slug: String,
    pub title: String,
    pub blurb: String,
    pub entries: usize,
}

/// An entry in a section's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub updated: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionView {
    pub slug: String,
    pub title: String,
    pub blurb: String,
    pub entries: Vec<EntryCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TocItem {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryView {
    pub section: String,
    pub section_title: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub updated: String,
    /// Rendered and sanitised on the server.
    pub html: String,
    pub toc: Vec<TocItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub url: String,
    pub title: String,
    pub section_title: String,
    /// The snippet in parts; `true` parts matched the query.
    pub snippet: Vec<(String, bool)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHit>,
}

#[server(prefix = "/api/resources", endpoint = "sections", output = JsonText)]
pub async fn list_sections() -> Result<Vec<SectionCard>, ServerFnError> {
    let lib = ssr::content()?.library();
    Ok(workbench_content::SECTIONS
        .iter()
        .map(|s| SectionCard {
            slug: s.slug.into(),
            title: s.title.into(),
            blurb: s.blurb.into(),
            entries: lib.section_entries(s.slug).len(),
        })
        .collect())
}

/// `None` when there is no such section.
#[server(prefix = "/api/resources", endpoint = "section", output = JsonText)]
pub async fn get_section(section: String) -> Result<Option<SectionView>, ServerFnError> {
    let Some(s) = workbench_content::sections::section(&section) else {
        return Ok(None);
    };
    let lib = ssr::content()?.library();
    Ok(Some(SectionView {
        slug: s.slug.into(),
        title: s.title.into(),
        blurb: s.blurb.into(),
        entries: lib
            .section_entries(s.slug)
            .into_iter()
            .map(|e| EntryCard {
                slug: e.slug.clone(),
                title: e.front.title.clone(),
                summary: e.front.summary.clone(),
                tags: e.front.tags.clone(),
                updated: e.front.updated.clone(),
            })
            .collect(),
    }))
}

/// `None` when there is no such entry.
#[server(prefix = "/api/resources", endpoint = "entry", output = JsonText)]
pub async fn get_entry(section: String, slug: String) -> Result<Option<EntryView>, ServerFnError> {
    let lib = ssr::content()?.library();
    let Some(e) = lib.entry(&section, &slug) else {
        return Ok(None);
    };
    let section_title = workbench_content::sections::section(e.section).map_or("", |s| s.title);
    Ok(Some(EntryView {
        section: e.section.into(),
        section_title: section_title.into(),
        slug: e.slug.clone(),
        title: e.front.title.clone(),
        summary: e.front.summary.clone(),
        tags: e.front.tags.clone(),
        updated: e.front.updated.clone(),
        html: e.rendered.html.clone(),
        toc: e
            .rendered
            .toc
            .iter()
            .map(|t| TocItem {
                level: t.level,
                id: t.id.clone(),
                text: t.text.clone(),
            })
            .collect(),
    }))
}

/// Up to 20 hits, best first.
#[server(prefix = "/api/resources", endpoint = "search", output = JsonText)]
pub async fn search_resources(query: String) -> Result<SearchResults, ServerFnError> {
    let content = ssr::content()?;
    let q = query.clone();
    let hits = tokio::task::spawn_blocking(move || content.search(&q, 20))
        .await
        .map_err(|err| ssr::internal("search task", &err))?
        .map_err(|err| ssr::internal("search", &err))?;
    Ok(SearchResults {
        query,
        hits: hits
            .into_iter()
            .map(|h| SearchHit {
                section_title: h
                    .key
                    .split('/')
                    .next()
                    .and_then(workbench_content::sections::section)
                    .map_or_else(String::new, |s| s.title.to_string()),
                url: h.url,
                title: h.title,
                snippet: h.snippet.into_iter().map(|f| (f.text, f.marked)).collect(),
            })
            .collect(),
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use leptos::prelude::*;
    use workbench_content::Content;

    pub fn content() -> Result<Arc<Content>, ServerFnError> {
        use_context::<Arc<Content>>().ok_or_else(|| {
            tracing::error!("the Resources library is not in the server function context");
            ServerFnError::new("The Resources library is not available; see the server log.")
        })
    }

    /// Logs the detail; the browser gets a message without it.
    pub fn internal(what: &str, err: &dyn std::fmt::Display) -> ServerFnError {
        tracing::error!(error = %err, "resources: {what} failed");
        ServerFnError::new(
            "Search failed on the server; try again, and check the server log if it persists.",
        )
    }
}
