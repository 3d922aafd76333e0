//! The Brain's HTTP API through the router: validation of hostile input, the answer stream
//! without a model server (retrieval alone), conversations and their owners, the index.

mod support;

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use support::TestApp;

fn events(body: &str) -> Vec<Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?"))
        .collect()
}

fn error_message(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn ask(app: &TestApp, body: Value) -> support::TestResponse {
    app.post("/api/brain/chat")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
}

/// Runs an index and waits for it to finish.
async fn index(app: &TestApp) {
    let brain = app.state().brain.index.clone();
    brain.index(false).await.expect("index the library");
}

#[tokio::test]
async fn hostile_chat_requests_get_clear_4xx_answers() {
    let app = TestApp::local();
    let cases: Vec<(Vec<u8>, StatusCode, &str)> = vec![
        (
            b"not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (b"".to_vec(), StatusCode::BAD_REQUEST, "not valid JSON"),
        (
            br#"{"question": 5}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "wrong shape",
        ),
        (
            br#"{"question": "hi", "extra": 1}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "wrong shape",
        ),
        (
            br#"{"question": "   "}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "Type a question",
        ),
        (
            br#"{"question": "hi", "model": "llama; rm -rf /"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "model name",
        ),
        (
            br#"{"question": "hi", "conversation_id": 999999}"#.to_vec(),
            StatusCode::NOT_FOUND,
            "does not exist",
        ),
        (
            json!({ "question": "x".repeat(9 * 1024) })
                .to_string()
                .into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "at most 8 KB",
        ),
    ];
    for (body, status, says) in cases {
        let res = app
            .post("/api/brain/chat")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        assert_eq!(
            res.status,
            status,
            "{}: {}",
            String::from_utf8_lossy(&body),
            res.body
        );
        assert!(error_message(&res.body).contains(says), "{}", res.body);
    }
    // A body past the limit is refused before it is read.
    let res = app
        .post("/api/brain/chat")
        .header("content-type", "application/json")
        .body(vec![b' '; 64 * 1024])
        .send()
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
}

#[tokio::test]
async fn without_a_model_server_the_answer_is_the_cited_passages() {
    let app = TestApp::local();
    index(&app).await;
    let res = ask(
        &app,
        json!({ "question": "How do I restart nginx inside a container with s6?" }),
    )
    .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.content_type(), "application/x-ndjson");
    let ev = events(&res.body);
    assert_eq!(
        kinds(&ev),
        ["start", "sources", "notice", "token", "done"],
        "{}",
        res.body
    );
    assert!(ev[0]["model"].is_null());
    let citations = ev[1]["citations"].as_array().expect("citations");
    assert!(!citations.is_empty(), "{}", res.body);
    assert!(
        citations[0]["url"]
            .as_str()
            .unwrap_or("")
            .starts_with("/resources/"),
        "{}",
        res.body
    );
    assert!(
        ev[2]["message"]
            .as_str()
            .unwrap_or("")
            .contains("brain.ollama_url")
    );
    let html = ev[4]["html"].as_str().unwrap_or("");
    assert!(html.contains("href=\"/resources/"), "{html}");

    // The conversation was kept, with both messages.
    let id = ev[0]["conversation_id"].as_i64().expect("id");
    let list = app.get("/api/brain/conversations").send().await;
    list.assert_status(StatusCode::OK);
    assert_eq!(list.json()[0]["id"], id);
    let conv = app
        .get(&format!("/api/brain/conversations/{id}"))
        .send()
        .await;
    assert_eq!(conv.json()["messages"].as_array().map(Vec::len), Some(2));

    // A follow-up goes into the same conversation.
    let res = ask(
        &app,
        json!({ "question": "and php-fpm?", "conversation_id": id }),
    )
    .await;
    assert_eq!(events(&res.body)[0]["conversation_id"], id);
    let conv = app
        .get(&format!("/api/brain/conversations/{id}"))
        .send()
        .await;
    assert_eq!(conv.json()["messages"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn conversation_ids_are_checked() {
    let app = TestApp::local();
    for bad in ["abc", "-1", "0", "1.5", "99999999999999999999999"] {
        let res = app
            .get(&format!("/api/brain/conversations/{bad}"))
            .send()
            .await;
        res.assert_status(StatusCode::BAD_REQUEST);
    }
    app.get("/api/brain/conversations/42")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.request(http::Method::DELETE, "/api/brain/conversations/42")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn models_say_how_to_connect_when_no_server_is_configured() {
    let app = TestApp::local();
    let res = app.get("/api/brain/models").send().await;
    res.assert_status(StatusCode::OK);
    let v = res.json();
    assert_eq!(v["connected"], false);
    assert_eq!(v["selected"], "llama3.2:3b");
    assert!(
        v["problem"]
            .as_str()
            .unwrap_or("")
            .contains("brain.ollama_url")
    );
    for bad in [
        r#"{"model": ""}"#,
        r#"{"model": "a b"}"#,
        r#"{"model": 3}"#,
        "{",
        r#"{"model": "$(id)"}"#,
    ] {
        let res = app
            .request(http::Method::PUT, "/api/brain/model")
            .header("content-type", "application/json")
            .body(bad)
            .send()
            .await;
        res.assert_status(StatusCode::BAD_REQUEST);
    }
    // With no server to check against, a well-formed name is remembered.
    let res = app
        .request(http::Method::PUT, "/api/brain/model")
        .header("content-type", "application/json")
        .body(r#"{"model": "qwen2.5:7b"}"#)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        app.get("/api/brain/models").send().await.json()["selected"],
        "qwen2.5:7b"
    );
}

#[tokio::test]
async fn the_index_can_be_started_and_watched() {
    let app = TestApp::local();
    let res = app.post("/api/admin/brain/index").body("{").send().await;
    res.assert_status(StatusCode::BAD_REQUEST);
    let res = app
        .post("/api/admin/brain/index")
        .body(r#"{"rebuild": "yes"}"#)
        .send()
        .await;
    res.assert_status(StatusCode::BAD_REQUEST);
    let res = app.post("/api/admin/brain/index").send().await;
    res.assert_status(StatusCode::ACCEPTED);
    let mut view = Value::Null;
    for _ in 0..300 {
        view = app.get("/api/brain/index").send().await.json();
        if view["running"] == false && view["chunks"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(view["running"], false, "{view}");
    assert!(view["chunks"].as_u64().unwrap_or(0) > 100, "{view}");
    assert_eq!(view["sources"][0]["name"], "resources", "{view}");
    assert_eq!(view["can_index"], true);
    assert!(
        view["problem"]
            .as_str()
            .unwrap_or("")
            .contains("keywords only"),
        "{view}"
    );
}

#[tokio::test]
async fn notes_pages_stay_inside_their_folder() {
    let notes = tempfile::tempdir().expect("notes dir");
    std::fs::create_dir_all(notes.path().join("ops")).expect("mkdir");
    std::fs::write(
        notes.path().join("ops/backup.md"),
        "# Backups\n\nRestic <script>x</script> nightly.\n",
    )
    .expect("write");
    let app = TestApp::with_config(workbench_config::Config {
        brain: workbench_config::BrainConfig {
            dirs: vec![notes.path().to_owned()],
            ..Default::default()
        },
        ..Default::default()
    });
    let res = app
        .get("/workbench/brain/notes/0/ops/backup.md")
        .browser()
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert!(
        res.body.contains("<h1") && res.body.contains("Backups"),
        "{}",
        res.body
    );
    assert!(!res.body.contains("<script>x"), "{}", res.body);
    for bad in [
        "/workbench/brain/notes/1/ops/backup.md",
        "/workbench/brain/notes/x/ops/backup.md",
        "/workbench/brain/notes/0/ops/missing.md",
        "/workbench/brain/notes/0/ops/..%2F..%2Fetc%2Fpasswd.md",
        "/workbench/brain/notes/0/.ssh/id.md",
        "/workbench/brain/notes/0/ops/backup.txt",
    ] {
        let res = app.get(bad).browser().send().await;
        assert!(res.status.is_client_error(), "{bad}: {}", res.status);
    }
}

mod access {
    use std::sync::LazyLock;

    use http::StatusCode;
    use serde_json::json;
    use workbench_auth::testing::{self, AUDIENCE, ISSUER, JwksServer, Keypair};

    use super::support::TestApp;

    static KEY: LazyLock<Keypair> = LazyLock::new(|| Keypair::generate("brain-key"));
    const ADMIN: &str = "admin@example.com";
    const USER: &str = "user@example.com";

    fn token(email: &str) -> String {
        KEY.sign(&testing::claims(ISSUER, AUDIENCE, email))
    }

    #[tokio::test]
    async fn conversations_belong_to_their_user_and_indexing_to_admins() {
        let jwks = JwksServer::with_keys(&[&KEY]).await;
        let app = TestApp::access(&jwks.url, &[ADMIN]);
        // Signed out: nothing.
        for path in [
            "/api/brain/conversations",
            "/api/brain/models",
            "/api/brain/index",
        ] {
            app.get(path)
                .send()
                .await
                .assert_status(StatusCode::UNAUTHORIZED);
        }
        app.post("/api/brain/chat")
            .body(r#"{"question":"hi"}"#)
            .send()
            .await
            .assert_status(StatusCode::UNAUTHORIZED);

        let res = app
            .post("/api/brain/chat")
            .token(&token(USER))
            .body(json!({ "question": "docker compose volumes" }).to_string())
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        let first: serde_json::Value =
            serde_json::from_str(res.body.lines().next().unwrap_or("{}")).expect("json");
        let id = first["conversation_id"].as_i64().expect("conversation id");

        // Another user sees none of it and cannot add to it or delete it.
        let other = token(ADMIN);
        let list = app
            .get("/api/brain/conversations")
            .token(&other)
            .send()
            .await;
        assert_eq!(list.json(), json!([]));
        app.get(&format!("/api/brain/conversations/{id}"))
            .token(&other)
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.post("/api/brain/chat")
            .token(&other)
            .body(json!({ "question": "mine?", "conversation_id": id }).to_string())
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.request(
            http::Method::DELETE,
            &format!("/api/brain/conversations/{id}"),
        )
        .token(&other)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
        app.get(&format!("/api/brain/conversations/{id}"))
            .token(&token(USER))
            .send()
            .await
            .assert_status(StatusCode::OK);

        // Starting an index run is for admins; the status says who may.
        app.post("/api/admin/brain/index")
            .token(&token(USER))
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);
        let view = app.get("/api/brain/index").token(&token(USER)).send().await;
        assert_eq!(view.json()["can_index"], false);
        // A cross-site page cannot ask in the user's name.
        app.post("/api/brain/chat")
            .token(&token(USER))
            .header("origin", "https://evil.example")
            .body(r#"{"question":"hi"}"#)
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
}

mod with_a_model_server {
    use std::time::Duration;

    use http::StatusCode;
    use serde_json::json;
    use workbench_config::{BrainConfig, Config};
    use workbench_llm::{FakeConfig, FakeHandle, FakeOllama};

    use super::support::TestApp;
    use super::{ask, events, kinds};

    async fn app_with_fake(timeout_secs: u64) -> (TestApp, FakeHandle) {
        let fake = FakeOllama::start(FakeConfig::default())
            .await
            .expect("start the fake");
        let app = TestApp::with_config(Config {
            brain: BrainConfig {
                ollama_url: Some(fake.url()),
                request_timeout_secs: timeout_secs,
                ..Default::default()
            },
            ..Default::default()
        });
        (app, fake)
    }

    #[tokio::test]
    async fn the_answer_streams_from_the_model_with_citations() {
        let (app, fake) = app_with_fake(10).await;
        fake.set_split_writes(Some(3));
        app.state().brain.index.index(false).await.expect("index");
        let res = ask(&app, json!({ "question": "restart nginx with s6-svc" })).await;
        res.assert_status(StatusCode::OK);
        let ev = events(&res.body);
        let k = kinds(&ev);
        assert_eq!(k[..2], ["start", "sources"], "{}", res.body);
        assert_eq!(k.last(), Some(&"done"), "{}", res.body);
        assert!(
            k.iter().filter(|t| **t == "token").count() > 5,
            "{}",
            res.body
        );
        assert_eq!(ev[0]["model"], "llama3.2:3b");
        assert_eq!(ev[1]["hybrid"], true, "{}", res.body);
        let html = ev.last().and_then(|e| e["html"].as_str()).unwrap_or("");
        assert!(html.contains("<strong>"), "{html}");
        assert!(
            html.contains("title="),
            "citation links carry the excerpt: {html}"
        );
        assert_eq!(fake.requests("/api/chat"), 1);
    }

    #[tokio::test]
    async fn a_model_that_dies_or_stalls_leaves_what_arrived_and_an_error() {
        let (app, fake) = app_with_fake(2).await;
        fake.set_die_after(Some(4));
        let res = ask(&app, json!({ "question": "backups" })).await;
        let ev = events(&res.body);
        let last = ev.last().expect("events");
        assert_eq!(last["type"], "error", "{}", res.body);
        assert!(
            !last["html"].as_str().unwrap_or("").is_empty(),
            "{}",
            res.body
        );
        assert!(
            last["message"]
                .as_str()
                .unwrap_or("")
                .contains("stopped in the middle"),
            "{}",
            res.body
        );

        fake.set_die_after(None);
        fake.set_stall_after(Some(3));
        let started = std::time::Instant::now();
        let res = ask(&app, json!({ "question": "backups" })).await;
        assert!(started.elapsed() < Duration::from_secs(10));
        let ev = events(&res.body);
        let last = ev.last().expect("events");
        assert_eq!(last["type"], "error", "{}", res.body);
        assert!(
            !last["html"].as_str().unwrap_or("").is_empty(),
            "{}",
            res.body
        );
        // Both half answers are kept, marked.
        let id = ev[0]["conversation_id"].as_i64().expect("id");
        let conv = app
            .get(&format!("/api/brain/conversations/{id}"))
            .send()
            .await
            .json();
        assert!(conv["messages"][1]["error"].is_string(), "{conv}");
    }

    #[tokio::test]
    async fn a_model_server_that_fails_falls_back_to_the_passages() {
        let (app, fake) = app_with_fake(5).await;
        fake.fail_next(10);
        let res = ask(&app, json!({ "question": "kubernetes pod logs" })).await;
        let ev = events(&res.body);
        assert_eq!(
            kinds(&ev),
            ["start", "sources", "notice", "token", "done"],
            "{}",
            res.body
        );
        assert!(
            ev[2]["message"]
                .as_str()
                .unwrap_or("")
                .contains("best passages"),
            "{}",
            res.body
        );
    }

    #[tokio::test]
    async fn the_model_list_comes_from_the_server_and_only_its_models_can_be_chosen() {
        let (app, _fake) = app_with_fake(5).await;
        let v = app.get("/api/brain/models").send().await.json();
        assert_eq!(v["connected"], true);
        let names: Vec<&str> = v["models"]
            .as_array()
            .expect("models")
            .iter()
            .filter_map(|m| m["name"].as_str())
            .collect();
        assert!(names.contains(&"llama3.2:3b"), "{v}");
        let put = |model: &str| {
            app.request(http::Method::PUT, "/api/brain/model")
                .header("content-type", "application/json")
                .body(json!({ "model": model }).to_string())
                .send()
        };
        put("no-such:model")
            .await
            .assert_status(StatusCode::BAD_REQUEST);
        let other = names
            .iter()
            .find(|n| **n != "llama3.2:3b")
            .expect("a second model");
        put(other).await.assert_status(StatusCode::OK);
        assert_eq!(
            app.get("/api/brain/models").send().await.json()["selected"],
            *other
        );
    }

    #[tokio::test]
    async fn a_model_server_that_is_down_is_explained() {
        let app = TestApp::with_config(Config {
            brain: BrainConfig {
                ollama_url: Some(workbench_auth::testing::dead_url()),
                request_timeout_secs: 2,
                ..Default::default()
            },
            ..Default::default()
        });
        let v = app.get("/api/brain/models").send().await.json();
        assert!(
            v["problem"].as_str().unwrap_or("").contains("Ollama"),
            "{v}"
        );
        let res = ask(&app, json!({ "question": "restic" })).await;
        let ev = events(&res.body);
        assert_eq!(ev[2]["type"], "notice", "{}", res.body);
        assert_eq!(ev.last().map(|e| e["type"].clone()), Some(json!("done")));
    }
}
