//! The Code tab's status endpoint, the Content-Security-Policy, and the hosts overview's
//! two views: admins see names and addresses, nobody else ever receives them.

mod support;

use std::sync::LazyLock;
use std::time::Duration;

use http::StatusCode;
use support::{TestApp, TestResponse};
use workbench_auth::testing::{self, AUDIENCE, ISSUER, JwksServer, Keypair, TEAM_DOMAIN};
use workbench_config::{AuthConfig, AuthMode, CodeConfig, Config, HostConfig, HostLink};

static KEY: LazyLock<Keypair> = LazyLock::new(|| Keypair::generate("homelab-key"));
const ADMIN: &str = "admin@example.com";
const USER: &str = "user@example.com";

fn token(email: &str) -> String {
    KEY.sign(&testing::claims(ISSUER, AUDIENCE, email))
}

fn csp(res: &TestResponse) -> String {
    res.header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on {:?}", res.headers))
        .to_owned()
}

fn directive(csp: &str, name: &str) -> String {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("no {name} in {csp}"))
}

fn code_app(url: Option<&str>) -> TestApp {
    TestApp::with_config(Config {
        code: CodeConfig {
            url: url.map(str::to_owned),
        },
        ..Config::default()
    })
}

#[tokio::test]
async fn csp_frames_only_the_code_origin_and_carries_the_pages_nonce() {
    let app = code_app(Some("https://code.example.com:8443/?folder=/workspace"));
    let page = app.get("/workbench/code").browser().send().await;
    page.assert_status(StatusCode::OK);
    let policy = csp(&page);
    assert_eq!(
        directive(&policy, "frame-src"),
        "https://code.example.com:8443"
    );
    assert_eq!(directive(&policy, "object-src"), "'none'");
    let scripts = directive(&policy, "script-src");
    let nonce = scripts
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .expect("a nonce in script-src");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(!scripts.contains("'unsafe-inline'"), "{scripts}");
    // Every inline script the page carries has the header's nonce.
    let tags: Vec<&str> = page
        .body
        .match_indices("<script")
        .map(|(i, _)| &page.body[i..])
        .collect();
    assert!(!tags.is_empty(), "the hydration script is there");
    for tag in tags {
        let open = &tag[..tag.find('>').expect("tag end")];
        assert!(
            open.contains(&format!("nonce=\"{nonce}\"")),
            "script without the nonce: {open}"
        );
    }
    // A fresh nonce per response.
    let again = app.get("/workbench/code").browser().send().await;
    assert_ne!(csp(&again), policy);

    // Every kind of response carries it: 404 pages, JSON, health, refusals.
    for path in ["/no/such/page", "/api/whoami", "/healthz"] {
        let res = app.get(path).browser().send().await;
        assert_eq!(
            directive(&csp(&res), "frame-src"),
            "https://code.example.com:8443",
            "{path}"
        );
    }
    let refused = app
        .get("/homelab")
        .browser()
        .header("host", "evil.example")
        .send()
        .await;
    refused.assert_status(StatusCode::FORBIDDEN);
    csp(&refused);
}

#[tokio::test]
async fn without_code_url_nothing_may_be_framed() {
    let app = code_app(None);
    let res = app.get("/workbench/brain").browser().send().await;
    assert_eq!(directive(&csp(&res), "frame-src"), "'none'");
    let status = app.server_fn("/api/code/status").await;
    status.assert_status(StatusCode::OK);
    assert_eq!(status.json(), serde_json::json!("NotConfigured"));
}

#[tokio::test]
async fn code_status_ready_or_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let router = axum::Router::new().route("/", axum::routing::any(|| async { "code-server" }));
        axum::serve(listener, router).await.expect("serve");
    });
    let url = format!("http://127.0.0.1:{port}/");
    let res = code_app(Some(&url)).server_fn("/api/code/status").await;
    assert_eq!(res.json(), serde_json::json!({ "Ready": { "url": url } }));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{closed}/");
    let res = code_app(Some(&url)).server_fn("/api/code/status").await;
    assert_eq!(
        res.json(),
        serde_json::json!({ "Unreachable": { "url": url } })
    );
}

/// A host with an open port, one with a closed port; the names and addresses are the secrets.
async fn hosts_config() -> Vec<HostConfig> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let open = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let router = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
        axum::serve(listener, router).await.expect("serve");
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let host = |name: &str, alias: &str, port: u16| HostConfig {
        name: name.into(),
        alias: alias.into(),
        role: "secret-role".into(),
        address: "127.0.0.1".into(),
        docker: Some("tcp://127.0.0.1:2376".into()),
        tcp_ports: vec![port],
        health_urls: vec![format!("http://127.0.0.1:{port}/health")],
        interval_secs: 30,
        links: vec![HostLink {
            name: "secret-link".into(),
            url: "http://127.0.0.1:8096/".into(),
        }],
    };
    vec![
        host("nas-secret.lan", "Storage", open),
        host("gpu-secret.lan", "Compute", closed),
    ]
}

const SECRETS: [&str; 5] = [
    "secret.lan",
    "127.0.0.1",
    "2376",
    "secret-role",
    "secret-link",
];

#[track_caller]
fn assert_no_secrets(res: &TestResponse) {
    for secret in SECRETS {
        assert!(
            !res.body.contains(secret),
            "{secret} sent to a non-admin: {}",
            res.body
        );
    }
}

#[track_caller]
fn assert_secrets(res: &TestResponse) {
    for secret in SECRETS {
        assert!(
            res.body.contains(secret),
            "{secret} missing for an admin: {}",
            res.body
        );
    }
}

async fn access_app(hosts: Vec<HostConfig>) -> (TestApp, JwksServer) {
    let jwks = JwksServer::with_keys(&[&KEY]).await;
    let app = TestApp::with_config(Config {
        auth: AuthConfig {
            mode: AuthMode::CloudflareAccess,
            team_domain: Some(TEAM_DOMAIN.to_owned()),
            audiences: vec![AUDIENCE.to_owned()],
            admins: vec![ADMIN.to_owned()],
            certs_url: Some(jwks.url.clone()),
        },
        hosts,
        ..Config::default()
    });
    (app, jwks)
}

#[tokio::test]
async fn admins_see_names_and_addresses_others_only_aliases() {
    let hosts = hosts_config().await;
    let (app, _jwks) = access_app(hosts).await;
    app.state().hosts.refresh_all().await;

    let admin = app.get("/api/hosts").token(&token(ADMIN)).send().await;
    admin.assert_status(StatusCode::OK);
    assert_secrets(&admin);
    let json = admin.json();
    assert_eq!(json["admin"], true);
    assert_eq!(json["hosts"][0]["state"], "Up", "{json}");
    assert_eq!(json["hosts"][1]["state"], "Down");

    let user = app.get("/api/hosts").token(&token(USER)).send().await;
    user.assert_status(StatusCode::OK);
    assert_no_secrets(&user);
    let json = user.json();
    assert_eq!(json["admin"], false);
    assert_eq!(json["hosts"][0]["alias"], "Storage");
    assert_eq!(json["hosts"][0]["detail"], serde_json::Value::Null);
    assert_eq!(json["hosts"][1]["state"], "Down");

    // The server-rendered page, which also embeds the resource's data for hydration.
    let page = app
        .get("/homelab")
        .browser()
        .token(&token(USER))
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body.contains("Storage") && page.body.contains("Compute"),
        "{}",
        page.body
    );
    assert_no_secrets(&page);
    let page = app
        .get("/homelab")
        .browser()
        .token(&token(ADMIN))
        .send()
        .await;
    assert_secrets(&page);

    // Nobody signed in gets neither.
    let anonymous = app.get("/api/hosts").send().await;
    anonymous.assert_status(StatusCode::UNAUTHORIZED);
    assert_no_secrets(&anonymous);
    let anonymous = app.get("/homelab").browser().send().await;
    anonymous.assert_status(StatusCode::UNAUTHORIZED);
    assert_no_secrets(&anonymous);
}

#[tokio::test]
async fn hosts_endpoint_refuses_garbage_without_leaking() {
    let hosts = hosts_config().await;
    let (app, _jwks) = access_app(hosts).await;
    let long = format!("/api/hosts?{}", "a=1&".repeat(5000));
    for path in [
        "/api/hosts?admin=true",
        "/api/hosts?x=%00%ff",
        long.as_str(),
    ] {
        let res = app.get(path).token(&token(USER)).send().await;
        assert_no_secrets(&res);
    }
    let res = app
        .post("/api/hosts")
        .token(&token(USER))
        .body("admin=true")
        .send()
        .await;
    assert_no_secrets(&res);
    assert_ne!(res.status, StatusCode::OK, "GET only: {}", res.body);
}

#[tokio::test]
async fn the_checker_runs_by_itself_and_pages_read_the_cache() {
    let hosts = hosts_config().await;
    let app = TestApp::with_config(Config {
        hosts,
        ..Config::default()
    });
    // The spawned tasks start within a second and need well under the connect timeout here.
    let mut json = serde_json::Value::Null;
    for _ in 0..50 {
        json = app.get("/api/hosts").send().await.json();
        // Each host's first check comes at its own random moment within a second.
        if json["hosts"][0]["state"] == "Up" && json["hosts"][1]["state"] == "Down" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(json["hosts"][0]["state"], "Up", "{json}");
    assert_eq!(json["hosts"][1]["state"], "Down", "{json}");
    assert_eq!(json["admin"], true, "local mode: you are the admin");
    assert!(json["hosts"][0]["latency_ms"].is_u64(), "{json}");
    assert!(
        json["hosts"][0]["last_seen_secs"]
            .as_u64()
            .is_some_and(|s| s <= 1),
        "{json}"
    );
    assert_eq!(json["hosts"][1]["last_seen_secs"], serde_json::Value::Null);
    assert_eq!(json["hosts"][0]["stale"], false);
}
