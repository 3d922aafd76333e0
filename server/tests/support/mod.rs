//! The app under test: [`TestApp`] builds the state from a `Config` made in code and
//! sends requests through the router with `tower::ServiceExt::oneshot` (no socket).

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use http::header::{ACCEPT, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::Value;
use server::AppState;
use tempfile::TempDir;
use tower::ServiceExt as _;
use workbench_auth::ACCESS_HEADER;
use workbench_auth::testing::{AUDIENCE, TEAM_DOMAIN};
use workbench_config::{AuthConfig, AuthMode, Config, ContentConfig, LogConfig, ServerConfig};

/// The address the app believes it serves, and the `Host` requests carry by default.
pub const HOST_PORT: &str = "127.0.0.1:3000";
/// Roughly what a browser sends when it navigates to a page.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

pub struct TestApp {
    router: Router,
    state: AppState,
    // An empty site: pages render without the built WASM and CSS, as in a fresh checkout.
    _site_root: TempDir,
}

impl TestApp {
    /// `auth.mode = "local"`: no sign-in, loopback only.
    pub fn local() -> Self {
        Self::with_auth(AuthConfig::default())
    }

    /// `auth.mode = "cloudflare-access"` for the test team and audience, with keys from `jwks_url`.
    pub fn access(jwks_url: &str, admins: &[&str]) -> Self {
        Self::with_auth(AuthConfig {
            mode: AuthMode::CloudflareAccess,
            team_domain: Some(TEAM_DOMAIN.to_owned()),
            audiences: vec![AUDIENCE.to_owned()],
            admins: admins.iter().map(|a| (*a).to_owned()).collect(),
            certs_url: Some(jwks_url.to_owned()),
        })
    }

    pub fn with_auth(auth: AuthConfig) -> Self {
        Self::with_config(Config {
            auth,
            ..Config::default()
        })
    }

    /// Local auth with these Docker engines and service settings.
    pub fn with_docker(docker: workbench_config::DockerConfig) -> Self {
        Self::with_config(Config {
            docker,
            ..Config::default()
        })
    }

    /// `config` with the test's address, an empty site and a private data dir.
    pub fn with_config(config: Config) -> Self {
        let site_root = tempfile::tempdir().expect("create the site root");
        let config = Config {
            server: ServerConfig {
                addr: HOST_PORT.parse().expect("socket address"),
                site_root: site_root.path().to_owned(),
                data_dir: site_root.path().join("data"),
            },
            log: LogConfig::default(),
            content: ContentConfig {
                dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/resources"),
                extra_dirs: Vec::new(),
                watch: false,
            },
            // Tests start index runs themselves, so none races them in the background.
            brain: workbench_config::BrainConfig {
                auto_index: false,
                ..config.brain
            },
            ..config
        };
        let state = AppState::new(config).expect("build the app state");
        TestApp {
            router: server::router(state.clone()),
            state,
            _site_root: site_root,
        }
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    pub fn get(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::POST, path)
    }

    /// A request for `path` with `Host: 127.0.0.1:3000`, as a browser on this machine sends.
    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static(HOST_PORT));
        TestRequest {
            app: self,
            method,
            path: path.to_owned(),
            headers,
            body: Vec::new(),
        }
    }

    /// Calls a Leptos server function the way the browser does.
    pub async fn server_fn(&self, path: &str) -> TestResponse {
        self.post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .send()
            .await
    }
}

pub struct TestRequest<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl TestRequest<'_> {
    /// Sets `name` (replacing any value already there, such as the default `Host`).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("header name");
        let value = HeaderValue::try_from(value).expect("header value");
        self.headers.insert(name, value);
        self
    }

    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.remove(name);
        self
    }

    /// Accepts HTML, as a browser navigating to a page does.
    pub fn browser(self) -> Self {
        self.header(ACCEPT.as_str(), BROWSER_ACCEPT)
    }

    /// Carries `token` in `Cf-Access-Jwt-Assertion`, as Cloudflare Access forwards it.
    pub fn token(self, token: &str) -> Self {
        self.header(ACCESS_HEADER, token)
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub async fn send(self) -> TestResponse {
        let mut request = Request::builder()
            .method(self.method)
            .uri(self.path.as_str())
            .body(Body::from(self.body))
            .expect("build the request");
        *request.headers_mut() = self.headers;
        let response = self
            .app
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("read the body").to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    /// Panics with the body when the status is not `expected`, so a failure shows why.
    #[track_caller]
    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        assert_eq!(self.status, expected, "body: {}", self.body);
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// The `error` of a JSON error body.
    #[track_caller]
    pub fn error_message(&self) -> String {
        assert!(
            self.content_type().starts_with("application/json"),
            "expected a JSON error, got {:?}: {}",
            self.content_type(),
            self.body
        );
        match &self.json()["error"] {
            Value::String(message) => message.clone(),
            other => panic!("no error message in {other:?}: {}", self.body),
        }
    }

    pub fn is_html(&self) -> bool {
        self.content_type().starts_with("text/html")
    }
}
