//! The Resources pages, search and the content health endpoint, through the router.

mod support;

use http::StatusCode;
use support::TestApp;

#[tokio::test]
async fn the_index_links_all_eight_sections() {
    let app = TestApp::local();
    let res = app.get("/resources").browser().send().await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        res.body.matches("class=\"section-card\"").count(),
        8,
        "{}",
        res.body
    );
    for slug in [
        "cheatsheets",
        "kubernetes",
        "docker-compose",
        "comparisons",
        "tutorials",
        "config-files",
        "stack",
        "iac",
    ] {
        assert!(
            res.body.contains(&format!("href=\"/resources/{slug}\"")),
            "{slug}"
        );
    }
    assert!(res.body.contains("id=\"resource-search\""));
}

#[tokio::test]
async fn a_section_lists_its_entries_with_summary_tags_and_date() {
    let app = TestApp::local();
    let res = app.get("/resources/kubernetes").browser().send().await;
    res.assert_status(StatusCode::OK);
    assert!(res.body.contains("<h1>Kubernetes</h1>"), "{}", res.body);
    assert!(res.body.matches("class=\"entry-card\"").count() >= 10);
    assert!(
        res.body
            .contains("href=\"/resources/kubernetes/postgresql-statefulset\"")
    );
    assert!(res.body.contains("class=\"tag\""));
    assert!(res.body.contains("<time datetime=\"20"));
}

#[tokio::test]
async fn an_entry_renders_fully_on_the_server() {
    let app = TestApp::local();
    let res = app
        .get("/resources/kubernetes/postgresql-statefulset")
        .browser()
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let body = &res.body;
    assert!(
        body.contains("<h1>PostgreSQL StatefulSet with persistent storage</h1>"),
        "{body}"
    );
    assert!(body.contains("class=\"toc\""));
    assert!(body.contains("href=\"#manifests\""));
    assert!(body.contains("<h2 id=\"manifests\">"));
    assert!(body.contains("class=\"code-copy\""));
    assert!(body.contains("class=\"hl-"), "highlighted on the server");
    assert!(body.contains("class=\"table-scroll\""));
}

#[tokio::test]
async fn unknown_sections_and_entries_are_404_pages() {
    let app = TestApp::local();
    for path in [
        "/resources/nope",
        "/resources/kubernetes/nope",
        "/resources/kubernetes/NOPE",
        "/resources/a/b/c",
    ] {
        let res = app.get(path).browser().send().await;
        res.assert_status(StatusCode::NOT_FOUND);
        assert!(res.body.contains("Page not found"), "{path}: {}", res.body);
    }
}

#[tokio::test]
async fn search_ranks_and_marks_hits_and_works_as_a_plain_get() {
    let app = TestApp::local();
    let res = app
        .get("/resources/search?q=PostgreSQL+StatefulSet+with+persistent+storage")
        .browser()
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let first = res.body.find("class=\"search-hit\"").expect("a hit");
    assert!(
        res.body[first..].starts_with(
            "class=\"search-hit\"><a href=\"/resources/kubernetes/postgresql-statefulset\""
        ),
        "{}",
        &res.body[first..first + 300]
    );
    assert!(res.body.contains("<mark>"));
    let empty = app.get("/resources/search?q=").browser().send().await;
    empty.assert_status(StatusCode::OK);
    let hostile = app
        .get("/resources/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%20OR%20*")
        .browser()
        .send()
        .await;
    hostile.assert_status(StatusCode::OK);
    assert!(!hostile.body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn the_search_server_function_takes_hostile_input() {
    let app = TestApp::local();
    for body in [
        "query=kubectl",
        "query=",
        "query=%22%22%22NEAR(",
        "nonsense",
        "query=%FF%FE",
    ] {
        let res = app
            .post("/api/resources/search")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await;
        assert!(
            res.status.is_success()
                || res.status.is_client_error()
                || res.status == StatusCode::INTERNAL_SERVER_ERROR,
            "{body}: {}",
            res.status
        );
        assert!(!res.body.contains("panicked"), "{}", res.body);
    }
    let long = format!("query={}", "a".repeat(200_000));
    let res = app
        .post("/api/resources/search")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(long)
        .send()
        .await;
    assert!(
        res.status.is_success() || res.status.is_client_error(),
        "{}",
        res.status
    );
}

#[tokio::test]
async fn content_health_reports_the_shipped_content_clean() {
    let app = TestApp::local();
    let res = app.get("/api/health/content").send().await;
    res.assert_status(StatusCode::OK);
    let json = res.json();
    assert_eq!(json["errors"], 0, "{json}");
    assert!(json["entries"].as_u64().expect("entries") >= 80);
}

#[tokio::test]
async fn resources_and_content_health_need_no_sign_in() {
    let app = TestApp::access("http://127.0.0.1:9/never-fetched", &[]);
    for path in [
        "/resources",
        "/resources/kubernetes",
        "/resources/kubernetes/postgresql-statefulset",
        "/api/health/content",
    ] {
        let res = app.get(path).send().await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
    }
    let res = app.get("/api/health/contentx").send().await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}
