//! Test support (feature `testing`): RSA keys that sign Access-shaped tokens, and a
//! JWKS endpoint on 127.0.0.1 whose keys can be swapped mid-test and which counts fetches.
//!
//! Everything here panics on failure: it is for tests, where that is the report.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

use crate::AccessConfig;

/// The team domain test tokens are issued for.
pub const TEAM_DOMAIN: &str = "testteam.cloudflareaccess.com";
/// The `iss` of [`TEAM_DOMAIN`]'s tokens.
pub const ISSUER: &str = "https://testteam.cloudflareaccess.com";
/// An Access application AUD tag, shaped like a real one.
pub const AUDIENCE: &str = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
/// The `sub` of [`claims`].
pub const SUBJECT: &str = "7335d417-61da-459d-899c-0a01c76a2f94";

/// An RSA key pair published under `kid`. Generating one takes a moment: share it
/// between the tests of a binary (a `LazyLock` static).
pub struct Keypair {
    kid: String,
    signing: EncodingKey,
    jwk: Value,
    public_pem: String,
}

impl Keypair {
    pub fn generate(kid: impl Into<String>) -> Self {
        let kid = kid.into();
        let private = RsaPrivateKey::new(&mut OsRng, 2048).expect("generate RSA key");
        let public = private.to_public_key();
        let der = private.to_pkcs1_der().expect("encode private key");
        Keypair {
            signing: EncodingKey::from_rsa_der(der.as_bytes()),
            jwk: json!({
                "kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
                "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            }),
            public_pem: public
                .to_public_key_pem(LineEnding::LF)
                .expect("encode public key"),
            kid,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWKS entry.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// The public key as PEM: what an alg-confusion attacker would use as an HMAC secret.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// An RS256 token over `claims`, naming this key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    /// An RS256 token signed by this key but naming `kid`: a forgery, or an unknown key.
    pub fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.signing).expect("sign token")
    }

    /// The classic alg-confusion forgery: HS256 with this key's public PEM as the secret.
    pub fn sign_hs256_with_public_key(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        let secret = EncodingKey::from_secret(self.public_pem.as_bytes());
        jsonwebtoken::encode(&header, claims, &secret).expect("sign HS256 token")
    }
}

/// A token with `alg: none` and no signature, naming `kid`.
pub fn unsigned_token(kid: &str, claims: &Value) -> String {
    let header = json!({ "alg": "none", "typ": "JWT", "kid": kid });
    format!("{}.{}.", b64_json(&header), b64_json(claims))
}

/// `value` as JSON, base64url without padding: one part of a JWT.
pub fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Seconds since the Unix epoch, as JWTs count time.
pub fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("timestamp fits i64")
}

/// Claims shaped like a Cloudflare Access application token, valid for ten minutes.
pub fn claims(issuer: &str, audience: &str, email: &str) -> Value {
    let now = now();
    json!({
        "sub": SUBJECT,
        "email": email,
        "iss": issuer,
        "aud": [audience],
        "iat": now,
        "nbf": now - 5,
        "exp": now + 600,
        "type": "app",
        "identity_nonce": "6ei69kawdKzMIAPF",
        "country": "DE",
    })
}

/// `claims` with `field` set to `value` (or removed, for `Value::Null`).
pub fn with_claim(mut claims: Value, field: &str, value: Value) -> Value {
    let map = claims.as_object_mut().expect("claims are a JSON object");
    if value.is_null() {
        map.remove(field);
    } else {
        map.insert(field.to_owned(), value);
    }
    claims
}

/// A JWKS document shaped like Cloudflare's, including the PEM fields verifiers ignore.
pub fn jwks(keys: &[&Keypair]) -> String {
    let jwks: Vec<&Value> = keys.iter().map(|k| &k.jwk).collect();
    json!({ "keys": jwks, "public_cert": { "kid": "x", "cert": "-----BEGIN CERTIFICATE-----" } })
        .to_string()
}

/// A JWKS endpoint at [`JwksServer::url`], served on the current Tokio runtime until
/// that runtime ends. Clones share the body, the delay and the count.
#[derive(Clone)]
pub struct JwksServer {
    /// `http://127.0.0.1:<port>/cdn-cgi/access/certs`.
    pub url: String,
    body: Arc<Mutex<String>>,
    delay: Arc<Mutex<Duration>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    /// Serves `body` verbatim, JWKS or not.
    pub async fn start(body: impl Into<String>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the JWKS server");
        let addr = listener.local_addr().expect("JWKS server address");
        let server = JwksServer {
            url: format!("http://{addr}/cdn-cgi/access/certs"),
            body: Arc::new(Mutex::new(body.into())),
            delay: Arc::default(),
            fetches: Arc::default(),
        };
        let app = Router::new()
            .route("/cdn-cgi/access/certs", get(serve_jwks))
            .with_state(server.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        server
    }

    /// Publishes `keys`.
    pub async fn with_keys(keys: &[&Keypair]) -> Self {
        Self::start(jwks(keys)).await
    }

    /// Publishes `keys` instead, as Cloudflare does when it rotates them.
    pub fn set_keys(&self, keys: &[&Keypair]) {
        self.set_body(jwks(keys));
    }

    pub fn set_body(&self, body: impl Into<String>) {
        *self.body.lock().unwrap_or_else(PoisonError::into_inner) = body.into();
    }

    /// Answers every later fetch only after `delay`: a slow or hung endpoint.
    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap_or_else(PoisonError::into_inner) = delay;
    }

    /// How many times the keys have been fetched.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// A verifier configuration for [`TEAM_DOMAIN`] and [`AUDIENCE`] that fetches from here.
    pub fn access_config(&self) -> AccessConfig {
        let mut config = AccessConfig::new(TEAM_DOMAIN, vec![AUDIENCE.to_owned()]);
        config.certs_url = Some(self.url.clone());
        config.fetch_timeout = Duration::from_secs(5);
        config
    }
}

async fn serve_jwks(State(server): State<JwksServer>) -> impl IntoResponse {
    server.fetches.fetch_add(1, Ordering::SeqCst);
    let delay = *server.delay.lock().unwrap_or_else(PoisonError::into_inner);
    tokio::time::sleep(delay).await;
    let body = server
        .body
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    ([(CONTENT_TYPE, "application/json")], body)
}

/// A JWKS URL on a port nothing listens on (bound, noted, released): connections are refused.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/cdn-cgi/access/certs")
}
