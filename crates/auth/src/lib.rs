//! Cloudflare Access identity at the origin: this crate owns verifying the
//! `Cf-Access-Jwt-Assertion` JWT (RS256 only, audience, issuer, time) and the
//! cache of Access signing keys fetched from the team's JWKS endpoint.
//!
//! Anything that can reach the origin directly could forge the header, so the
//! token is verified here rather than trusted because Cloudflare sits in front.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Deserializer, Serialize};

#[cfg(feature = "testing")]
pub mod testing;

/// Request header in which Cloudflare Access forwards the signed identity.
pub const ACCESS_HEADER: &str = "Cf-Access-Jwt-Assertion";
/// Redirect here to end the Access session (not just ours).
pub const LOGOUT_PATH: &str = "/cdn-cgi/access/logout";

/// Access tokens are about 1 KB; anything far bigger is junk, and rejecting it
/// early keeps base64/JSON work bounded for hostile input.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The real JWKS is a few KB; the cap stops a broken endpoint filling memory.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// How to verify tokens for one Access application.
#[derive(Debug, Clone)]
pub struct AccessConfig {
    /// `myteam.cloudflareaccess.com`, with or without `https://`.
    pub team_domain: String,
    /// The application's AUD tag(s); a token must carry at least one.
    pub audiences: Vec<String>,
    /// Overrides the JWKS URL derived from `team_domain` (tests).
    pub certs_url: Option<String>,
    /// Minimum time between two JWKS fetches triggered by unknown `kid`s.
    pub refetch_interval: Duration,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// Upper bound on one JWKS fetch, so a hung endpoint cannot hang logins.
    pub fetch_timeout: Duration,
}

impl AccessConfig {
    pub fn new(team_domain: impl Into<String>, audiences: Vec<String>) -> Self {
        Self {
            team_domain: team_domain.into(),
            audiences,
            certs_url: None,
            refetch_interval: Duration::from_secs(60),
            leeway: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(10),
        }
    }

    fn domain(&self) -> &str {
        let d = self.team_domain.trim();
        let d = d
            .strip_prefix("https://")
            .or_else(|| d.strip_prefix("http://"))
            .unwrap_or(d);
        d.trim_end_matches('/')
    }

    /// The exact `iss` Cloudflare puts in tokens: `https://<team>.cloudflareaccess.com`.
    pub fn issuer(&self) -> String {
        format!("https://{}", self.domain())
    }

    pub fn certs_url(&self) -> String {
        match &self.certs_url {
            Some(url) => url.clone(),
            None => format!("{}/cdn-cgi/access/certs", self.issuer()),
        }
    }
}

/// The verified identity. `email` is absent for service tokens, which carry
/// `common_name` instead.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub sub: String,
    pub email: Option<String>,
    pub exp: i64,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    // Defaulted so a token lacking them reaches the validator and is reported
    // as a wrong issuer/audience; the validator requires both, so verified
    // claims always have them.
    #[serde(default)]
    pub iss: String,
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// `"app"` for application tokens.
    #[serde(rename = "type")]
    pub token_type: Option<String>,
    pub common_name: Option<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Why a request was not let in. `Display` is for logs (no token contents);
/// [`AuthError::user_message`] is for the page.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no Cloudflare Access token in the request")]
    Missing,
    #[error("Cloudflare Access token is malformed")]
    Malformed,
    #[error("token algorithm {0} is not accepted (RS256 only)")]
    UnsupportedAlgorithm(String),
    #[error("token signed with unknown key id {0}")]
    UnknownKey(String),
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token is for another Access application (audience mismatch)")]
    WrongAudience,
    #[error("token was issued by another Cloudflare Access team (issuer mismatch)")]
    WrongIssuer,
    #[error("token signature does not verify")]
    BadSignature,
    #[error("Cloudflare Access signing keys unavailable: {0}")]
    KeysUnavailable(String),
    #[error("invalid Cloudflare Access configuration: {0}")]
    InvalidConfig(String),
}

impl AuthError {
    /// Plain words for the 401 page; says what to do, never why internally.
    pub fn user_message(&self) -> &'static str {
        match self {
            Self::Missing => {
                "You are not signed in. Open this site through its Cloudflare Access address to sign in."
            }
            Self::Expired | Self::NotYetValid => {
                "Your sign-in has expired or your clock is off. Reload the page to sign in again."
            }
            Self::KeysUnavailable(_) | Self::InvalidConfig(_) => {
                "Sign-in cannot be checked right now. Try again in a minute; if it persists, tell the administrator."
            }
            _ => "Your sign-in could not be verified. Sign out and sign in again.",
        }
    }
}

#[derive(Clone)]
pub struct AccessVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    certs_url: String,
    refetch_interval: Duration,
    validation: Validation,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    // Held across the fetch so concurrent unknown-kid requests queue behind one
    // fetch instead of each starting their own.
    fetch: tokio::sync::Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

impl std::fmt::Debug for AccessVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessVerifier")
            .field("certs_url", &self.inner.certs_url)
            .finish_non_exhaustive()
    }
}

impl AccessVerifier {
    pub fn new(cfg: AccessConfig) -> Result<Self, AuthError> {
        let domain = cfg.domain();
        if domain.is_empty() || domain.contains(['/', ' ']) {
            return Err(AuthError::InvalidConfig(format!(
                "team domain {:?} should look like myteam.cloudflareaccess.com",
                cfg.team_domain
            )));
        }
        let audiences: Vec<&str> = cfg
            .audiences
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .collect();
        if audiences.is_empty() {
            return Err(AuthError::InvalidConfig(
                "no audience: set the Access application's AUD tag".into(),
            ));
        }
        // Explicit, so a second jsonwebtoken backend enabled elsewhere in the
        // build cannot turn verification into a runtime panic. Losing the race
        // to another installed provider is fine: any provider verifies RS256.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        );

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&audiences);
        validation.set_issuer(&[cfg.issuer()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = cfg.leeway.as_secs();

        let http = reqwest::Client::builder()
            .timeout(cfg.fetch_timeout)
            .connect_timeout(cfg.fetch_timeout)
            .user_agent(concat!("workbench-auth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AuthError::InvalidConfig(format!("HTTP client: {e}")))?;

        Ok(Self {
            inner: Arc::new(Inner {
                certs_url: cfg.certs_url(),
                refetch_interval: cfg.refetch_interval,
                validation,
                http,
                keys: RwLock::default(),
                fetch: tokio::sync::Mutex::default(),
            }),
        })
    }

    /// Verifies a `Cf-Access-Jwt-Assertion` value and returns its claims.
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::Malformed);
        }
        // Our own header check runs before any key lookup, so `none`, HS256
        // ("alg confusion") and garbage never reach the cache or the network.
        let header = parse_header(token)?;
        if header.alg != "RS256" {
            return Err(AuthError::UnsupportedAlgorithm(printable(&header.alg)));
        }
        let kid = header.kid.ok_or(AuthError::Malformed)?;
        let key = self.key_for(&kid).await?;
        jsonwebtoken::decode::<AccessClaims>(token, &key, &self.inner.validation)
            .map(|data| data.claims)
            .map_err(|e| map_jwt_error(e.kind()))
    }

    async fn key_for(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut state = self.inner.fetch.lock().await;
        // Whoever held the lock before us may have fetched this very key.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let cooling_down = state
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.inner.refetch_interval);
        if cooling_down {
            return Err(match &state.last_error {
                Some(msg) => AuthError::KeysUnavailable(msg.clone()),
                None => AuthError::UnknownKey(printable(kid)),
            });
        }
        let fetched = self.fetch_keys().await;
        // Stamped only once the fetch finished: if the request that started it
        // is dropped mid-fetch (client went away), the next one must not be
        // told "unknown key" for a whole interval because of it.
        state.last_attempt = Some(Instant::now());
        match fetched {
            Ok(keys) => {
                tracing::debug!(count = keys.len(), url = %self.inner.certs_url, "fetched Access signing keys");
                state.last_error = None;
                // Replace rather than merge: a key Cloudflare has retired must stop working.
                *self
                    .inner
                    .keys
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = keys;
            }
            Err(msg) => {
                tracing::warn!(error = %msg, "fetching Access signing keys failed");
                state.last_error = Some(msg.clone());
                return Err(AuthError::KeysUnavailable(msg));
            }
        }
        self.cached(kid)
            .ok_or_else(|| AuthError::UnknownKey(printable(kid)))
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        let keys = self
            .inner
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        keys.get(kid).cloned()
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
        let url = &self.inner.certs_url;
        let hint = "check the team domain, that this server can reach it over HTTPS, and its clock";
        let fail = |what: String| format!("GET {url}: {what}; {hint}");

        let mut resp = self
            .inner
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(describe(e.without_url())))?;
        if !resp.status().is_success() {
            return Err(fail(format!("HTTP {}", resp.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| fail(describe(e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(fail("response larger than 1 MiB".into()));
            }
            body.extend_from_slice(&chunk);
        }
        let jwks: Jwks = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("response is not a JWKS ({e})")))?;
        let keys: HashMap<_, _> = jwks
            .keys
            .into_iter()
            .filter_map(Jwk::into_rs256_key)
            .collect();
        if keys.is_empty() {
            return Err(fail("JWKS has no usable RS256 keys".into()));
        }
        Ok(keys)
    }
}

#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
}

fn parse_header(token: &str) -> Result<RawHeader, AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl Jwk {
    /// Skips, rather than fails on, keys we cannot use, so one odd entry in
    /// the set does not lock everyone out.
    fn into_rs256_key(self) -> Option<(String, Arc<DecodingKey>)> {
        let usable = self.kty == "RSA"
            && self.alg.as_deref().is_none_or(|a| a == "RS256")
            && self.usage.as_deref().is_none_or(|u| u == "sig");
        if !usable {
            return None;
        }
        let key = DecodingKey::from_rsa_components(self.n.as_deref()?, self.e.as_deref()?).ok()?;
        Some((self.kid?, Arc::new(key)))
    }
}

fn map_jwt_error(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::MissingRequiredClaim(c) if c == "aud" => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(c) if c == "iss" => AuthError::WrongIssuer,
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => AuthError::BadSignature,
        _ => AuthError::Malformed,
    }
}

/// Header fields are attacker-chosen: only echo short, plain ones into errors
/// and logs.
fn printable(s: &str) -> String {
    let plain = s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        s.to_owned()
    } else {
        "<unprintable>".to_owned()
    }
}

/// reqwest's top-level message ("error sending request") hides the useful
/// part (refused, DNS, TLS, timeout) in its source chain.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
