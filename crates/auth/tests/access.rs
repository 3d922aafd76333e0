//! End-to-end checks of `AccessVerifier` against a real JWKS endpoint served
//! over HTTP on 127.0.0.1, with RSA keys generated at test time.

use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proptest::prelude::*;
use serde_json::{Value, json};
use workbench_auth::testing::{
    self, AUDIENCE as AUD, ISSUER, JwksServer, Keypair, TEAM_DOMAIN as TEAM, dead_url, now,
};
use workbench_auth::{AccessConfig, AccessVerifier, AuthError, LOGOUT_PATH};

// Generated once per test binary: 2048-bit key generation is the slow part.
static KEY_A: LazyLock<Keypair> = LazyLock::new(|| Keypair::generate("key-a"));
static KEY_B: LazyLock<Keypair> = LazyLock::new(|| Keypair::generate("key-b"));

fn claims() -> Value {
    testing::claims(ISSUER, AUD, "alice@example.com")
}

fn claims_with(field: &str, value: Value) -> Value {
    testing::with_claim(claims(), field, value)
}

fn verifier_for(server: &JwksServer, refetch_interval: Duration) -> AccessVerifier {
    let mut cfg = server.access_config();
    cfg.refetch_interval = refetch_interval;
    AccessVerifier::new(cfg).expect("verifier")
}

const LONG: Duration = Duration::from_secs(3600);

fn b64(v: &Value) -> String {
    testing::b64_json(v)
}

#[tokio::test]
async fn valid_token_returns_claims_and_known_kid_is_served_from_cache() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);

    let got = verifier
        .verify(&KEY_A.sign(&claims()))
        .await
        .expect("valid token");
    assert_eq!(got.email.as_deref(), Some("alice@example.com"));
    assert_eq!(got.sub, "7335d417-61da-459d-899c-0a01c76a2f94");
    assert_eq!(got.iss, ISSUER);
    assert_eq!(got.aud, vec![AUD.to_owned()]);
    assert_eq!(got.token_type.as_deref(), Some("app"));

    let second = KEY_A.sign(&claims_with("email", json!("bob@example.com")));
    let got = verifier.verify(&second).await.expect("second token");
    assert_eq!(got.email.as_deref(), Some("bob@example.com"));
    // A cheap clone shares the cache.
    verifier.clone().verify(&second).await.expect("via clone");
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn audience_as_string_or_array_containing_ours_is_valid() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let array = claims_with("aud", json!(["some-other-app", AUD]));
    let got = verifier
        .verify(&KEY_A.sign(&array))
        .await
        .expect("array aud");
    assert_eq!(got.aud, vec!["some-other-app".to_owned(), AUD.to_owned()]);
    let single = claims_with("aud", json!(AUD));
    let got = verifier
        .verify(&KEY_A.sign(&single))
        .await
        .expect("string aud");
    assert_eq!(got.aud, vec![AUD.to_owned()]);
}

#[tokio::test]
async fn expired_token_is_rejected_but_small_skew_is_tolerated() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let expired = KEY_A.sign(&claims_with("exp", json!(now() - 120)));
    assert!(matches!(
        verifier.verify(&expired).await,
        Err(AuthError::Expired)
    ));
    let within_leeway = KEY_A.sign(&claims_with("exp", json!(now() - 5)));
    verifier
        .verify(&within_leeway)
        .await
        .expect("inside 30 s leeway");
}

#[tokio::test]
async fn token_not_yet_valid_is_rejected() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let future = KEY_A.sign(&claims_with("nbf", json!(now() + 300)));
    assert!(matches!(
        verifier.verify(&future).await,
        Err(AuthError::NotYetValid)
    ));
}

#[tokio::test]
async fn wrong_or_missing_audience_is_rejected() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let wrong = KEY_A.sign(&claims_with("aud", json!(["another-app"])));
    assert!(matches!(
        verifier.verify(&wrong).await,
        Err(AuthError::WrongAudience)
    ));
    let mut missing = claims();
    missing.as_object_mut().expect("object").remove("aud");
    let missing = KEY_A.sign(&missing);
    assert!(matches!(
        verifier.verify(&missing).await,
        Err(AuthError::WrongAudience)
    ));
}

#[tokio::test]
async fn wrong_or_missing_issuer_is_rejected() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let wrong = KEY_A.sign(&claims_with(
        "iss",
        json!("https://evil.cloudflareaccess.com"),
    ));
    assert!(matches!(
        verifier.verify(&wrong).await,
        Err(AuthError::WrongIssuer)
    ));
    let mut missing = claims();
    missing.as_object_mut().expect("object").remove("iss");
    let missing = KEY_A.sign(&missing);
    assert!(matches!(
        verifier.verify(&missing).await,
        Err(AuthError::WrongIssuer)
    ));
}

#[tokio::test]
async fn unknown_kid_is_rejected_then_rotated_in_key_is_picked_up_by_one_refetch() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let interval = Duration::from_millis(200);
    let verifier = verifier_for(&server, interval);
    let token_b = KEY_B.sign(&claims());

    let err = verifier
        .verify(&token_b)
        .await
        .expect_err("B not published yet");
    assert!(
        matches!(&err, AuthError::UnknownKey(kid) if kid == "key-b"),
        "{err:?}"
    );
    assert_eq!(server.fetches(), 1);

    // Cloudflare publishes the new key beside the old one during rotation.
    server.set_keys(&[&KEY_A, &KEY_B]);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    verifier.verify(&token_b).await.expect("rotated-in key");
    assert_eq!(server.fetches(), 2);
    verifier
        .verify(&KEY_A.sign(&claims()))
        .await
        .expect("old key still valid");
    verifier.verify(&token_b).await.expect("cached");
    assert_eq!(server.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_kid_flood_fetches_at_most_once_per_interval() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    verifier
        .verify(&KEY_A.sign(&claims()))
        .await
        .expect("warm cache");
    assert_eq!(server.fetches(), 1);

    for i in 0..20 {
        let token = KEY_A.sign_as(&format!("unknown-{i}"), &claims());
        let err = verifier.verify(&token).await.expect_err("unknown kid");
        assert!(matches!(err, AuthError::UnknownKey(_)), "{err:?}");
    }
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let verifier = verifier.clone();
            let token = KEY_A.sign_as(&format!("flood-{i}"), &claims());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        let result = task.await.expect("task");
        assert!(
            matches!(result, Err(AuthError::UnknownKey(_))),
            "{result:?}"
        );
    }
    // The one fetch is the initial one; nothing since, however many unknown kids.
    assert_eq!(server.fetches(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_unknown_kids_share_one_fetch_after_the_interval() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let interval = Duration::from_millis(200);
    let verifier = verifier_for(&server, interval);

    // Cold cache: 50 simultaneous first requests cause exactly one fetch.
    let spawn_flood = |token: String| -> Vec<_> {
        (0..50)
            .map(|_| {
                let (verifier, token) = (verifier.clone(), token.clone());
                tokio::spawn(async move { verifier.verify(&token).await })
            })
            .collect()
    };
    for task in spawn_flood(KEY_A.sign(&claims())) {
        task.await.expect("task").expect("valid token");
    }
    assert_eq!(server.fetches(), 1);

    // After the interval, a concurrent burst of a new kid refetches exactly once.
    server.set_keys(&[&KEY_A, &KEY_B]);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    for task in spawn_flood(KEY_B.sign(&claims())) {
        task.await.expect("task").expect("rotated-in key");
    }
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn request_dropped_mid_fetch_does_not_block_the_next_one() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let token = KEY_A.sign(&claims());
    server.set_delay(Duration::from_secs(2));
    let dropped = tokio::time::timeout(Duration::from_millis(100), verifier.verify(&token)).await;
    assert!(dropped.is_err(), "should have timed out");

    server.set_delay(Duration::ZERO);
    verifier.verify(&token).await.expect("fetch retried");
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn alg_none_is_rejected_before_any_key_lookup() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    for alg in ["none", "None", "NONE"] {
        let header = b64(&json!({ "alg": alg, "typ": "JWT", "kid": "key-a" }));
        for token in [
            format!("{header}.{}.", b64(&claims())),
            format!("{header}.{}", b64(&claims())),
        ] {
            let res = verifier.verify(&token).await;
            assert!(
                matches!(
                    &res,
                    Err(AuthError::UnsupportedAlgorithm(_)) | Err(AuthError::Malformed)
                ),
                "{res:?}"
            );
        }
    }
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KEY_A.kid().to_owned());
    for secret in [
        KEY_A.public_pem().as_bytes(),
        KEY_A.jwk()["n"].as_str().expect("n").as_bytes(),
    ] {
        let token = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret))
            .expect("sign HS256");
        let err = verifier.verify(&token).await.expect_err("alg confusion");
        assert!(
            matches!(&err, AuthError::UnsupportedAlgorithm(a) if a == "HS256"),
            "{err:?}"
        );
    }
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn tampered_signature_is_rejected() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let token = KEY_A.sign(&claims());
    let (message, signature) = token.rsplit_once('.').expect("three parts");
    let mut sig = URL_SAFE_NO_PAD.decode(signature).expect("signature b64");
    sig[10] ^= 0x01;
    let flipped = format!("{message}.{}", URL_SAFE_NO_PAD.encode(&sig));
    assert!(matches!(
        verifier.verify(&flipped).await,
        Err(AuthError::BadSignature)
    ));
    let truncated = format!("{message}.{}", URL_SAFE_NO_PAD.encode(&sig[..100]));
    assert!(matches!(
        verifier.verify(&truncated).await,
        Err(AuthError::BadSignature)
    ));
    // Signed by a key outside the JWKS but naming a trusted kid.
    let forged = KEY_B.sign_as(KEY_A.kid(), &claims());
    assert!(matches!(
        verifier.verify(&forged).await,
        Err(AuthError::BadSignature)
    ));
}

#[tokio::test]
async fn tampered_payload_is_rejected() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let token = KEY_A.sign(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let evil = b64(&claims_with("email", json!("mallory@example.com")));
    let tampered = format!("{}.{evil}.{}", parts[0], parts[2]);
    assert!(matches!(
        verifier.verify(&tampered).await,
        Err(AuthError::BadSignature)
    ));
}

#[tokio::test]
async fn missing_or_empty_token_is_missing() {
    let verifier = verifier_for(&JwksServer::with_keys(&[&KEY_A]).await, LONG);
    for token in ["", "   ", "\t\n"] {
        assert!(matches!(
            verifier.verify(token).await,
            Err(AuthError::Missing)
        ));
    }
}

#[tokio::test]
async fn garbage_and_oversized_tokens_are_malformed_without_fetching() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let header = b64(&json!({ "alg": "RS256", "kid": "key-a" }));
    let megabyte = "a".repeat(1024 * 1024);
    let cases = [
        "garbage".to_owned(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        "...".to_owned(),
        "!!!.###.$$$".to_owned(),
        "é.ü.ß".to_owned(),
        "eyJ.eyJ.sig".to_owned(),
        format!("{}.e30.sig", b64(&json!("just a string"))),
        format!("{}.e30.sig", URL_SAFE_NO_PAD.encode("{\"alg\":")),
        format!("{}.e30.sig", b64(&json!({ "alg": "RS256" }))), // no kid
        format!("{header}=.e30.sig"),
        megabyte.clone(),
        format!("{header}.{megabyte}.{megabyte}"),
        format!("{megabyte}.{megabyte}.{megabyte}"),
    ];
    for token in &cases {
        let res = verifier.verify(token).await;
        assert!(matches!(res, Err(AuthError::Malformed)), "{res:?}");
    }
    assert_eq!(server.fetches(), 0);

    // Well-formed header, signed, but a payload that is not Access claims.
    let not_claims = KEY_A.sign(&json!({ "exp": now() + 60, "iss": ISSUER, "aud": AUD }));
    assert!(matches!(
        verifier.verify(&not_claims).await,
        Err(AuthError::Malformed)
    ));
}

#[tokio::test]
async fn jwks_server_down_is_keys_unavailable_with_a_clear_message() {
    let url = dead_url();
    let mut cfg = AccessConfig::new(TEAM, vec![AUD.to_owned()]);
    cfg.certs_url = Some(url.clone());
    let verifier = AccessVerifier::new(cfg).expect("verifier");
    let token = KEY_A.sign(&claims());
    for _ in 0..2 {
        let err = verifier.verify(&token).await.expect_err("no keys");
        let AuthError::KeysUnavailable(msg) = &err else {
            panic!("{err:?}")
        };
        assert!(msg.contains(&url), "{msg}");
        assert!(msg.contains("check the team domain"), "{msg}");
        assert!(
            !msg.contains(token.as_str()) && !msg.contains(token.split('.').nth(2).expect("sig"))
        );
        assert!(!err.user_message().contains("127.0.0.1"));
    }
}

#[tokio::test]
async fn jwks_returning_junk_is_keys_unavailable_and_not_refetched_per_request() {
    let server = JwksServer::start("<html>Cloudflare error</html>").await;
    let verifier = verifier_for(&server, LONG);
    let token = KEY_A.sign(&claims());
    for _ in 0..3 {
        let err = verifier.verify(&token).await.expect_err("junk JWKS");
        assert!(
            matches!(&err, AuthError::KeysUnavailable(m) if m.contains("not a JWKS")),
            "{err:?}"
        );
    }
    assert_eq!(server.fetches(), 1);

    let no_rsa =
        JwksServer::start(json!({ "keys": [{ "kty": "EC", "kid": "key-a" }] }).to_string()).await;
    let err = verifier_for(&no_rsa, LONG)
        .verify(&token)
        .await
        .expect_err("no RSA keys");
    assert!(
        matches!(&err, AuthError::KeysUnavailable(m) if m.contains("no usable RS256")),
        "{err:?}"
    );
}

#[tokio::test]
async fn errors_never_carry_token_contents() {
    let server = JwksServer::with_keys(&[&KEY_A]).await;
    let verifier = verifier_for(&server, LONG);
    let email = "secret-person@example.com";
    let sensitive = claims_with("email", json!(email));
    let tokens = [
        KEY_A.sign(&claims_with("exp", json!(now() - 600))),
        KEY_A.sign(&claims_with("aud", json!("nope"))),
        KEY_B.sign_as(KEY_A.kid(), &sensitive),
        KEY_A.sign_as("kid with spaces and <html>", &sensitive),
        KEY_A.sign_as(&"k".repeat(500), &sensitive),
    ];
    for token in &tokens {
        let err = verifier.verify(token).await.expect_err("rejected");
        let shown = format!("{err} {err:?} {}", err.user_message());
        for part in token.split('.').skip(1) {
            assert!(!shown.contains(part), "{shown}");
        }
        assert!(
            !shown.contains(email) && !shown.contains("<html>") && !shown.contains("kkkk"),
            "{shown}"
        );
    }
    assert!(!format!("{verifier:?}").contains("key-a"));
}

#[test]
fn config_normalises_the_team_domain() {
    for domain in [
        TEAM,
        "https://testteam.cloudflareaccess.com",
        "https://testteam.cloudflareaccess.com/",
        " testteam.cloudflareaccess.com ",
    ] {
        let cfg = AccessConfig::new(domain, vec![AUD.to_owned()]);
        assert_eq!(cfg.issuer(), ISSUER);
        assert_eq!(cfg.certs_url(), format!("{ISSUER}/cdn-cgi/access/certs"));
    }
    assert_eq!(LOGOUT_PATH, "/cdn-cgi/access/logout");
    assert!(matches!(
        AccessVerifier::new(AccessConfig::new(TEAM, vec![])),
        Err(AuthError::InvalidConfig(_))
    ));
    assert!(matches!(
        AccessVerifier::new(AccessConfig::new(TEAM, vec![" ".into()])),
        Err(AuthError::InvalidConfig(_))
    ));
    assert!(matches!(
        AccessVerifier::new(AccessConfig::new("https://", vec![AUD.into()])),
        Err(AuthError::InvalidConfig(_))
    ));
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
});

// No endpoint behind it: inputs that get as far as a key lookup fail fast.
static FUZZ_VERIFIER: LazyLock<AccessVerifier> = LazyLock::new(|| {
    let mut cfg = AccessConfig::new(TEAM, vec![AUD.to_owned()]);
    cfg.certs_url = Some(dead_url());
    AccessVerifier::new(cfg).expect("verifier")
});

fn verify_blocking(token: &str) -> Result<(), AuthError> {
    RUNTIME.block_on(FUZZ_VERIFIER.verify(token)).map(drop)
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(token in any::<String>()) {
        prop_assert!(verify_blocking(&token).is_err());
    }

    #[test]
    fn jwt_shaped_strings_never_panic(token in "[A-Za-z0-9_=+/.-]{0,300}") {
        prop_assert!(verify_blocking(&token).is_err());
    }

    #[test]
    fn arbitrary_headers_never_panic(
        alg in prop_oneof![Just("RS256".to_owned()), any::<String>()],
        kid in any::<Option<String>>(),
        payload in any::<Vec<u8>>(),
        signature in any::<Vec<u8>>(),
    ) {
        let token = format!(
            "{}.{}.{}",
            b64(&json!({ "alg": alg, "kid": kid })),
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature),
        );
        prop_assert!(verify_blocking(&token).is_err());
    }
}
