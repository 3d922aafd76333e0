//! `auth.mode = "cloudflare-access"`: tokens made and keys served by the test, checked by
//! the server on every private route; refusals are 401/403 pages that leak nothing.

mod support;

use std::sync::LazyLock;

use http::StatusCode;
use serde_json::{Value, json};
use support::{TestApp, TestRequest, TestResponse};
use workbench_auth::LOGOUT_PATH;
use workbench_auth::testing::{
    self, AUDIENCE, ISSUER, JwksServer, Keypair, SUBJECT, dead_url, now, unsigned_token,
};

// Generated once per test binary: 2048-bit key generation is the slow part.
static KEY: LazyLock<Keypair> = LazyLock::new(|| Keypair::generate("access-key-1"));
/// Never published in the JWKS.
static STRANGER: LazyLock<Keypair> = LazyLock::new(|| Keypair::generate("stranger-key"));

const ADMIN: &str = "admin@example.com";
const USER: &str = "user@example.com";
const PRIVATE: [&str; 4] = [
    "/workbench/brain",
    "/homelab",
    "/api/anything",
    "/terminal/shell/ws",
];

fn claims(email: &str) -> Value {
    testing::claims(ISSUER, AUDIENCE, email)
}

fn token(email: &str) -> String {
    KEY.sign(&claims(email))
}

/// The app with `ADMIN` as its only admin, and the JWKS endpoint publishing `KEY`.
async fn app() -> (TestApp, JwksServer) {
    let jwks = JwksServer::with_keys(&[&KEY]).await;
    (TestApp::access(&jwks.url, &[ADMIN]), jwks)
}

/// `token` with one character of its signature changed.
fn tampered(token: &str) -> String {
    let (message, signature) = token.rsplit_once('.').expect("three parts");
    let mut signature: Vec<char> = signature.chars().collect();
    signature[10] = if signature[10] == 'A' { 'B' } else { 'A' };
    format!("{message}.{}", signature.into_iter().collect::<String>())
}

/// Neither the token nor what it claims appears in `res`.
#[track_caller]
fn assert_leaks_nothing(res: &TestResponse, token: &str) {
    let shown = format!("{:?} {}", res.headers, res.body);
    for part in token.split('.').filter(|p| p.len() > 8) {
        assert!(!shown.contains(part), "response echoes the token: {shown}");
    }
    for claim in [ADMIN, USER, SUBJECT, "6ei69kawdKzMIAPF"] {
        assert!(!shown.contains(claim), "response shows {claim:?}: {shown}");
    }
}

#[tokio::test]
async fn admin_reaches_pages_and_admin_routes() {
    let (app, _jwks) = app().await;
    let admin = token(ADMIN);
    app.get("/workbench/brain")
        .browser()
        .token(&admin)
        .send()
        .await
        .assert_status(StatusCode::OK);
    for path in ["/api/admin/x", "/terminal/x"] {
        for res in [
            app.get(path).token(&admin).send().await,
            app.post(path).token(&admin).send().await,
        ] {
            assert!(
                !matches!(res.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                "{path}: {} {}",
                res.status,
                res.body
            );
        }
    }
}

#[tokio::test]
async fn signed_in_non_admin_reaches_pages_but_not_admin_routes() {
    let (app, _jwks) = app().await;
    let user = token(USER);
    app.get("/workbench/brain")
        .browser()
        .token(&user)
        .send()
        .await
        .assert_status(StatusCode::OK);
    for path in [
        "/api/admin/x",
        "/api/admin/services",
        "/terminal/x",
        "/terminal/shell/ws",
    ] {
        let res = app.get(path).token(&user).send().await;
        res.assert_status(StatusCode::FORBIDDEN);
        assert!(
            res.error_message().contains("auth.admins"),
            "{path}: {}",
            res.body
        );
        assert_leaks_nothing(&res, &user);
        let res = app.post(path).token(&user).send().await;
        res.assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn admin_email_matches_case_insensitively() {
    let jwks = JwksServer::with_keys(&[&KEY]).await;
    let app = TestApp::access(&jwks.url, &["Admin@Example.com"]);
    for email in [
        "admin@example.com",
        "ADMIN@EXAMPLE.COM",
        "Admin@Example.com",
    ] {
        let res = app.get("/terminal/x").token(&token(email)).send().await;
        assert!(
            !matches!(res.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{email}: {} {}",
            res.status,
            res.body
        );
    }
    // Case, not similarity: a look-alike address is no admin.
    let res = app
        .get("/terminal/x")
        .token(&token("admin@example.com.evil"))
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
}

/// Every token the server must refuse, by name.
fn rejected_tokens() -> Vec<(&'static str, String)> {
    let now = now();
    let with =
        |field: &str, value: Value| KEY.sign(&testing::with_claim(claims(ADMIN), field, value));
    vec![
        ("expired", with("exp", json!(now - 600))),
        ("not yet valid", with("nbf", json!(now + 600))),
        (
            "wrong audience",
            with("aud", json!(["another-application"])),
        ),
        ("no audience", with("aud", Value::Null)),
        (
            "wrong issuer",
            with("iss", json!("https://evil.cloudflareaccess.com")),
        ),
        ("unknown kid", STRANGER.sign(&claims(ADMIN))),
        (
            "forged with a known kid",
            STRANGER.sign_as(KEY.kid(), &claims(ADMIN)),
        ),
        ("alg none", unsigned_token(KEY.kid(), &claims(ADMIN))),
        (
            "HS256 alg confusion",
            KEY.sign_hs256_with_public_key(&claims(ADMIN)),
        ),
        ("tampered signature", tampered(&token(ADMIN))),
        ("garbage", "garbage".to_owned()),
        ("three dots", "a.b.c".to_owned()),
        ("empty", String::new()),
        (
            "1 MB",
            format!(
                "{}.{}.sig",
                testing::b64_json(&json!({"alg": "RS256", "kid": KEY.kid()})),
                "a".repeat(1024 * 1024)
            ),
        ),
    ]
}

#[tokio::test]
async fn rejected_tokens_get_401_on_private_routes() {
    let (app, _jwks) = app().await;
    for (name, bad) in rejected_tokens() {
        for path in PRIVATE.iter().chain(&["/api/admin/x", "/terminal/x"]) {
            let res = app.get(path).token(&bad).send().await;
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "{name} {path}: {}",
                res.body
            );
            assert!(!res.error_message().is_empty(), "{name} {path}");
            assert_leaks_nothing(&res, &bad);

            let res = app.post(path).token(&bad).send().await;
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "{name} POST {path}: {}",
                res.body
            );
        }
        let page = app
            .get("/workbench/brain")
            .browser()
            .token(&bad)
            .send()
            .await;
        page.assert_status(StatusCode::UNAUTHORIZED);
        assert!(page.is_html(), "{name}: {page:?}");
        assert!(
            page.body.contains("Sign-in required"),
            "{name}: {}",
            page.body
        );
        assert!(page.body.contains("sign in"), "{name}: {}", page.body);
        assert_leaks_nothing(&page, &bad);
    }
}

#[tokio::test]
async fn missing_token_gets_401_json_for_scripts_and_a_sign_in_page_for_browsers() {
    let (app, _jwks) = app().await;
    for path in PRIVATE {
        let res = app.get(path).send().await;
        res.assert_status(StatusCode::UNAUTHORIZED);
        assert!(
            res.error_message().contains("not signed in"),
            "{path}: {}",
            res.body
        );
    }
    // An API answers JSON even to a browser.
    let res = app.get("/api/anything").browser().send().await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    assert!(
        res.error_message().contains("not signed in"),
        "{}",
        res.body
    );

    let page = app.get("/workbench/brain").browser().send().await;
    page.assert_status(StatusCode::UNAUTHORIZED);
    assert!(page.is_html(), "{page:?}");
    assert!(page.body.contains("Sign-in required"), "{}", page.body);
    assert!(page.body.contains("not signed in"), "{}", page.body);
    assert!(
        !page.body.contains(LOGOUT_PATH),
        "nothing to sign out of: {}",
        page.body
    );
}

fn maybe_token<'a>(req: TestRequest<'a>, token: Option<&str>) -> TestRequest<'a> {
    match token {
        Some(token) => req.token(token),
        None => req,
    }
}

#[tokio::test]
async fn public_routes_need_no_token() {
    let (app, _jwks) = app().await;
    for bad in [
        None,
        Some("garbage".to_owned()),
        Some(tampered(&token(ADMIN))),
    ] {
        let with_token = |req| maybe_token(req, bad.as_deref());
        with_token(app.get("/resources").browser())
            .send()
            .await
            .assert_status(StatusCode::OK);
        with_token(app.get("/healthz"))
            .send()
            .await
            .assert_status(StatusCode::OK);
        // No such asset: a 404, not a sign-in demand. The WASM glue imports `/js/` (the
        // xterm.js loader) on every page: a sign-in demand there broke public pages.
        for asset in ["/pkg/x", "/js/x", "/xterm/x"] {
            with_token(app.get(asset))
                .send()
                .await
                .assert_status(StatusCode::NOT_FOUND);
        }
        // The Resources pages' server functions, as the browser calls them after a
        // client-side navigation: public too.
        let res = with_token(app.post("/api/resources/sections"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        assert!(
            res.json().as_array().is_some_and(|a| !a.is_empty()),
            "{}",
            res.body
        );
        with_token(app.post("/api/resources/search"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body("query=docker")
            .send()
            .await
            .assert_status(StatusCode::OK);
        let res = with_token(app.post("/api/whoami"))
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        assert_eq!(res.json(), Value::Null, "nobody is signed in");
    }
}

#[tokio::test]
async fn whoami_with_a_valid_token_returns_the_email_and_admin_flag() {
    let (app, _jwks) = app().await;
    let res = app
        .post("/api/whoami")
        .header("content-type", "application/x-www-form-urlencoded")
        .token(&token(ADMIN))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        res.json(),
        json!({ "name": ADMIN, "email": ADMIN, "admin": true, "via": "CloudflareAccess" })
    );
    let res = app
        .post("/api/whoami")
        .header("content-type", "application/x-www-form-urlencoded")
        .token(&token(USER))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["email"], USER);
    assert_eq!(res.json()["admin"], false);
}

#[tokio::test]
async fn keys_are_fetched_once_not_per_request() {
    let (app, jwks) = app().await;
    for _ in 0..5 {
        app.get("/workbench/brain")
            .token(&token(USER))
            .send()
            .await
            .assert_status(StatusCode::OK);
    }
    assert_eq!(jwks.fetches(), 1);
}

#[tokio::test]
async fn jwks_endpoint_down_is_401_with_a_message_and_no_internals() {
    let url = dead_url();
    let app = TestApp::access(&url, &[ADMIN]);
    let admin = token(ADMIN);
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .expect("port");
    for html in [false, true] {
        let mut req = app.get("/workbench/brain").token(&admin);
        if html {
            req = req.browser();
        }
        let res = req.send().await;
        res.assert_status(StatusCode::UNAUTHORIZED);
        let message = if html {
            res.body.clone()
        } else {
            res.error_message()
        };
        assert!(message.contains("cannot be checked right now"), "{message}");
        for internal in [
            "127.0.0.1",
            port,
            "cdn-cgi/access/certs",
            "GET ",
            "refused",
            "error sending",
        ] {
            assert!(
                !res.body.contains(internal),
                "shows {internal:?}: {}",
                res.body
            );
        }
        assert_leaks_nothing(&res, &admin);
    }
    // Public routes do not depend on the keys.
    app.get("/healthz")
        .send()
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn forbidden_page_offers_a_logout_link() {
    let (app, _jwks) = app().await;
    let user = token(USER);
    let page = app.get("/terminal/x").browser().token(&user).send().await;
    page.assert_status(StatusCode::FORBIDDEN);
    assert!(page.is_html(), "{page:?}");
    assert!(page.body.contains("Not allowed"), "{}", page.body);
    assert!(
        page.body.contains(&format!(r#"href="{LOGOUT_PATH}""#)),
        "{}",
        page.body
    );
    assert_eq!(LOGOUT_PATH, "/cdn-cgi/access/logout");
    assert_leaks_nothing(&page, &user);
}
