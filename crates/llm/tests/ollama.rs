//! The Ollama and OpenAI-compatible clients against the fake, over real HTTP on 127.0.0.1:
//! every error a user can meet, split lines, stalls, deaths mid-answer and hostile replies.

use std::time::{Duration, Instant};

use futures::StreamExt;
use workbench_llm::fake::{DEFAULT_ANSWER, default_models};
use workbench_llm::{
    ApiKey, ChatEvent, ChatMessage, ChatModel, ChatRequest, ChatStats, ChatStream, Embedder,
    FakeConfig, FakeHandle, FakeOllama, HashEmbedder, LlmError, ModelInfo, Ollama, OllamaOptions,
    OpenAiCompatible, RawReply, Role,
};

fn options() -> OllamaOptions {
    OllamaOptions {
        request_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(2),
        embed_model: "nomic-embed-text".into(),
        embed_dimensions: None,
    }
}

async fn fake() -> FakeHandle {
    FakeOllama::start(FakeConfig::default())
        .await
        .expect("fake starts")
}

fn client(fake: &FakeHandle) -> Ollama {
    Ollama::new(&fake.url(), options()).expect("client")
}

fn question(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        messages: vec![
            ChatMessage {
                role: Role::System,
                content: "Answer from the passages; cite them as [n].".into(),
            },
            ChatMessage {
                role: Role::User,
                content: "How do I keep a container running after a reboot?".into(),
            },
        ],
    }
}

#[derive(Debug, Default)]
struct Answer {
    tokens: Vec<String>,
    done: Option<ChatStats>,
    error: Option<LlmError>,
}

impl Answer {
    fn text(&self) -> String {
        self.tokens.concat()
    }
}

async fn collect(mut stream: ChatStream) -> Answer {
    let mut answer = Answer::default();
    while let Some(item) = stream.next().await {
        assert!(
            answer.done.is_none() && answer.error.is_none(),
            "an item after the end: {item:?}"
        );
        match item {
            Ok(ChatEvent::Token(t)) => answer.tokens.push(t),
            Ok(ChatEvent::Done(stats)) => answer.done = Some(stats),
            Err(err) => answer.error = Some(err),
        }
    }
    answer
}

async fn ask(client: &impl ChatModel, model: &str) -> Answer {
    collect(
        client
            .chat(question(model))
            .await
            .expect("the answer starts"),
    )
    .await
}

#[tokio::test]
async fn model_list_is_parsed_from_json_with_tags() {
    let fake = fake().await;
    let models = client(&fake).models().await.expect("models");
    let names: Vec<_> = models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "llama3.2:3b",
            "qwen2.5:7b-instruct",
            "nomic-embed-text:latest"
        ]
    );
    assert_eq!(models[0], default_models()[0]);
    fake.set_models(vec![ModelInfo {
        name: "registry.example:5000/team/mistral:7b-q8".into(),
        family: None,
        parameter_size: None,
        quantization: None,
        size: None,
    }]);
    let models = client(&fake).models().await.expect("models");
    assert_eq!(models[0].name, "registry.example:5000/team/mistral:7b-q8");
    assert_eq!(models[0].family, None);
    assert_eq!(fake.requests("/api/tags"), 2);
    assert_eq!(client(&fake).version().await.expect("version"), "0.12.6");
    fake.stop().await;
}

#[tokio::test]
async fn chat_streams_tokens_then_done() {
    let fake = fake().await;
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.error, None);
    assert_eq!(answer.text(), DEFAULT_ANSWER);
    assert!(
        answer.tokens.len() > 30,
        "token by token: {}",
        answer.tokens.len()
    );
    let stats = answer.done.expect("done");
    assert_eq!(stats.done_reason.as_deref(), Some("stop"));
    assert_eq!(stats.eval_count, Some(answer.tokens.len() as u64));
    assert_eq!(stats.total_duration, Some(1_250_000_000));
    fake.stop().await;
}

#[tokio::test]
async fn lines_split_mid_line_and_mid_character_decode_the_same() {
    let fake = fake().await;
    let text = "Grüße — «naïve» 東京 🦀 [1]";
    fake.set_answer(text);
    for n in [1, 2, 3, 5, 7, 64] {
        fake.set_split_writes(Some(n));
        let answer = ask(&client(&fake), "llama3.2:3b").await;
        assert_eq!(answer.error, None, "split {n}");
        assert_eq!(answer.text(), text, "split {n}");
        assert!(answer.done.is_some());
    }
    fake.stop().await;
}

#[tokio::test]
async fn a_stall_mid_answer_is_a_timeout_within_the_bound() {
    let fake = fake().await;
    fake.set_stall_after(Some(3));
    let started = Instant::now();
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.tokens.len(), 3, "what arrived is kept");
    assert!(
        matches!(answer.error, Some(LlmError::Timeout { secs: 1, .. })),
        "{:?}",
        answer.error
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // A stall before the first token is the same.
    fake.set_stall_after(Some(0));
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert!(answer.tokens.is_empty());
    assert!(matches!(answer.error, Some(LlmError::Timeout { .. })));
    fake.stop().await;
}

#[tokio::test]
async fn death_mid_answer_keeps_the_tokens_and_says_interrupted() {
    let fake = fake().await;
    fake.set_die_after(Some(5));
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.tokens.len(), 5);
    let Some(LlmError::Interrupted { detail }) = &answer.error else {
        panic!("{:?}", answer.error);
    };
    assert!(
        !detail.contains("127.0.0.1"),
        "no URL in the detail: {detail}"
    );
    assert!(answer.done.is_none());
    // Also split: the death lands between pieces of a line.
    fake.set_split_writes(Some(4));
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.tokens.len(), 5);
    assert!(matches!(answer.error, Some(LlmError::Interrupted { .. })));
    fake.stop().await;
}

#[tokio::test]
async fn a_stream_that_ends_without_done_is_interrupted() {
    let fake = fake().await;
    let line = r#"{"model":"llama3.2:3b","created_at":"x","message":{"role":"assistant","content":"Half"},"done":false}"#;
    fake.push_raw_reply(
        "/api/chat",
        RawReply::new(200, "application/x-ndjson", format!("{line}\n")),
    );
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.text(), "Half");
    assert!(
        matches!(answer.error, Some(LlmError::Interrupted { .. })),
        "{:?}",
        answer.error
    );
    // A final line without its newline still counts.
    let done = r#"{"model":"m","message":{"role":"assistant","content":""},"done":true}"#;
    fake.push_raw_reply(
        "/api/chat",
        RawReply::new(200, "application/x-ndjson", format!("{line}\r\n\r\n{done}")),
    );
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.error, None);
    assert!(answer.done.is_some());
    // An error reported after the 200: Ollama's `{"error": …}` line.
    fake.push_raw_reply(
        "/api/chat",
        RawReply::new(
            200,
            "application/x-ndjson",
            format!("{line}\n{{\"error\":\"llama runner crashed\"}}\n"),
        ),
    );
    let answer = ask(&client(&fake), "llama3.2:3b").await;
    assert_eq!(answer.text(), "Half");
    assert!(
        matches!(&answer.error, Some(LlmError::Interrupted { detail }) if detail.contains("llama runner crashed")),
        "{:?}",
        answer.error
    );
    fake.stop().await;
}

#[tokio::test]
async fn http_500s_carry_ollamas_message_then_recover() {
    let fake = fake().await;
    let ollama = client(&fake);
    fake.fail_next(3);
    for _ in 0..2 {
        let err = ollama.models().await.expect_err("500");
        assert!(
            matches!(&err, LlmError::Status { status: 500, message, .. } if message.contains("fake failure")),
            "{err:?}"
        );
    }
    let err = ollama
        .chat(question("llama3.2:3b"))
        .await
        .err()
        .expect("500");
    assert!(
        matches!(err, LlmError::Status { status: 500, .. }),
        "{err:?}"
    );
    assert!(ollama.models().await.is_ok());
    assert!(ask(&ollama, "llama3.2:3b").await.done.is_some());
    // A proxy's HTML page is not quoted; a huge message is cut.
    fake.push_raw_reply(
        "/api/tags",
        RawReply::new(502, "text/html", "<html><body>Bad gateway</body></html>"),
    );
    let err = ollama.models().await.expect_err("502");
    assert!(
        matches!(&err, LlmError::Status { status: 502, message, .. } if message == "Bad Gateway"),
        "{err:?}"
    );
    let long = |n| format!("{{\"error\":\"{}\"}}", "x".repeat(n));
    fake.push_raw_reply(
        "/api/tags",
        RawReply::new(500, "application/json", long(10_000)),
    );
    let err = ollama.models().await.expect_err("500");
    assert!(
        matches!(&err, LlmError::Status { message, .. } if message.starts_with("xxx") && message.chars().count() <= 301),
        "{err:?}"
    );
    // Beyond what is read of an error body, the start of it is quoted, still cut.
    fake.push_raw_reply(
        "/api/tags",
        RawReply::new(500, "application/json", long(1_000_000)),
    );
    let err = ollama.models().await.expect_err("500");
    assert!(
        matches!(&err, LlmError::Status { message, .. } if message.chars().count() <= 301),
        "{err:?}"
    );
    assert!(
        ollama.models().await.is_ok(),
        "the connection after a half-read error body"
    );
    fake.stop().await;
}

#[tokio::test]
async fn unknown_models_say_how_to_pull_them() {
    let fake = fake().await;
    let err = client(&fake)
        .chat(question("llama3.2"))
        .await
        .err()
        .expect("404");
    assert_eq!(err, LlmError::ModelNotFound("llama3.2".into()));
    assert!(err.to_string().contains("ollama pull llama3.2"));
    let embedder = Ollama::new(
        &fake.url(),
        OllamaOptions {
            embed_model: "mxbai-embed-large".into(),
            ..options()
        },
    )
    .expect("client");
    let err = embedder.embed(&["x".to_owned()]).await.expect_err("404");
    assert_eq!(err, LlmError::ModelNotFound("mxbai-embed-large".into()));
    // A 404 from a wrong base path is not "model not found".
    let wrong = Ollama::new(&format!("{}/nothing-here", fake.url()), options()).expect("client");
    let err = wrong.models().await.expect_err("404");
    assert!(
        matches!(err, LlmError::Status { status: 404, .. }),
        "{err:?}"
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_server_that_is_not_there_is_unreachable_with_advice() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let ollama = Ollama::new(&format!("http://user:hunter2@{addr}"), options()).expect("client");
    let err = ollama.models().await.expect_err("refused");
    let LlmError::Unreachable { url, detail } = &err else {
        panic!("{err:?}");
    };
    assert!(!url.contains("hunter2"), "{url}");
    assert!(detail.to_lowercase().contains("refused"), "{detail}");
    assert!(err.to_string().contains("ollama serve"));
    assert!(!format!("{ollama:?}").contains("hunter2"));
    let err = ollama
        .chat(question("llama3.2:3b"))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, LlmError::Unreachable { .. }));
    let err = ollama.embed(&["x".to_owned()]).await.expect_err("refused");
    assert!(matches!(err, LlmError::Unreachable { .. }));
    for bad in ["", "not a url", "ftp://host/", "unix:/run/ollama.sock"] {
        assert_eq!(
            Ollama::new(bad, options()).err(),
            Some(LlmError::NotConfigured),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn embeddings_are_deterministic_unit_vectors_of_the_asked_size() {
    let fake = fake().await;
    let ollama = client(&fake);
    let texts: Vec<String> = ["Docker compose restart", "ttyd over a tunnel", ""]
        .map(String::from)
        .to_vec();
    let vectors = ollama.embed(&texts).await.expect("vectors");
    assert_eq!(vectors.len(), 3);
    let reference = HashEmbedder::new("nomic-embed-text", 768);
    for (v, t) in vectors.iter().zip(&texts) {
        assert_eq!(v.len(), 768);
        let norm: f32 = v.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert_eq!(v, &reference.vector(t));
    }
    assert_eq!(
        ollama.embed(&[]).await.expect("nothing to do"),
        Vec::<Vec<f32>>::new()
    );
    assert_eq!(
        fake.requests("/api/embed"),
        1,
        "an empty batch asks nothing"
    );
    // The model changes its size: a new dimension, which the index must notice.
    fake.set_dims(384);
    assert_eq!(ollama.embed(&texts).await.expect("vectors")[0].len(), 384);
    // `dimensions` is sent and honoured.
    let sized = Ollama::new(
        &fake.url(),
        OllamaOptions {
            embed_dimensions: Some(256),
            ..options()
        },
    )
    .expect("client");
    assert_eq!(sized.embed(&texts).await.expect("vectors")[2].len(), 256);
    assert_eq!(sized.model(), "nomic-embed-text");
    fake.stop().await;
}

#[tokio::test]
async fn a_slow_embedding_is_a_timeout_and_a_500_is_a_status() {
    let fake = fake().await;
    let ollama = Ollama::new(
        &fake.url(),
        OllamaOptions {
            request_timeout: Duration::from_millis(300),
            ..options()
        },
    )
    .expect("client");
    fake.set_embed_delay(Duration::from_secs(2));
    let started = Instant::now();
    let err = ollama
        .embed(&["slow".to_owned()])
        .await
        .expect_err("timeout");
    assert!(matches!(err, LlmError::Timeout { secs: 1, .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    fake.set_embed_delay(Duration::ZERO);
    fake.fail_next(1);
    let err = ollama.embed(&["x".to_owned()]).await.expect_err("500");
    assert!(
        matches!(err, LlmError::Status { status: 500, .. }),
        "{err:?}"
    );
    assert!(ollama.embed(&["x".to_owned()]).await.is_ok());
    fake.stop().await;
}

#[tokio::test]
async fn hostile_and_malformed_replies_are_protocol_errors() {
    let fake = fake().await;
    let ollama = client(&fake);
    // A 10 MB line, in pieces.
    let mut huge = RawReply::new(200, "application/x-ndjson", Vec::new());
    huge.chunks = (0..10).map(|_| vec![b'a'; 1024 * 1024]).collect();
    fake.push_raw_reply("/api/chat", huge);
    let answer = ask(&ollama, "llama3.2:3b").await;
    assert!(
        matches!(&answer.error, Some(LlmError::Protocol { detail, .. }) if detail.contains("longer")),
        "{:?}",
        answer.error
    );
    // Invalid UTF-8 inside a line.
    fake.push_raw_reply(
        "/api/chat",
        RawReply::new(
            200,
            "application/x-ndjson",
            b"{\"message\":{\"content\":\"\xff\xfe\"},\"done\":false}\n".to_vec(),
        ),
    );
    assert!(matches!(
        ask(&ollama, "llama3.2:3b").await.error,
        Some(LlmError::Protocol { .. })
    ));
    // JSON of the wrong shape, everywhere.
    fake.push_raw_reply(
        "/api/chat",
        RawReply::new(200, "application/x-ndjson", "[1,2,3]\n"),
    );
    assert!(matches!(
        ask(&ollama, "llama3.2:3b").await.error,
        Some(LlmError::Protocol { .. })
    ));
    fake.push_raw_reply(
        "/api/tags",
        RawReply::new(200, "application/json", r#"{"models":[{"nom":"x"}]}"#),
    );
    assert!(matches!(
        ollama.models().await,
        Err(LlmError::Protocol { .. })
    ));
    fake.push_raw_reply(
        "/api/tags",
        RawReply::new(200, "application/json", b"\xff\x00garbage".to_vec()),
    );
    assert!(matches!(
        ollama.models().await,
        Err(LlmError::Protocol { .. })
    ));
    let two = ["a".to_owned(), "b".to_owned()];
    for body in [
        r#"{"embeddings":[[1.0,0.0]]}"#,
        r#"{"embeddings":[[1.0,0.0],[1.0]]}"#,
        r#"{"embeddings":[[0.0,0.0],[1.0,0.0]]}"#,
        r#"{"embeddings":[[1e999,0.0],[1.0,0.0]]}"#,
        r#"{"embeddings":[["x",0.0],[1.0,0.0]]}"#,
        r#"{"embedding":[1.0,0.0]}"#,
    ] {
        fake.push_raw_reply("/api/embed", RawReply::new(200, "application/json", body));
        assert!(
            matches!(ollama.embed(&two).await, Err(LlmError::Protocol { .. })),
            "{body}"
        );
    }
    // A body cut off mid-JSON.
    let mut cut = RawReply::new(200, "application/json", r#"{"models":[{"name":"#);
    cut.abort = true;
    fake.push_raw_reply("/api/tags", cut);
    assert!(matches!(
        ollama.models().await,
        Err(LlmError::Protocol { .. })
    ));
    // Vectors that are not unit length come back normalised.
    fake.push_raw_reply(
        "/api/embed",
        RawReply::new(
            200,
            "application/json",
            r#"{"embeddings":[[3.0,4.0],[0.0,2.0]]}"#,
        ),
    );
    assert_eq!(
        ollama.embed(&two).await.expect("ok"),
        vec![vec![0.6, 0.8], vec![0.0, 1.0]]
    );
    // And after all that, the fake and the client still work.
    assert!(ask(&ollama, "llama3.2:3b").await.done.is_some());
    fake.stop().await;
}

fn openai(fake: &FakeHandle, key: Option<&str>) -> OpenAiCompatible {
    OpenAiCompatible::new(
        &format!("{}/v1", fake.url()),
        key.map(ApiKey::new),
        options(),
    )
    .expect("client")
}

#[tokio::test]
async fn openai_compatible_lists_streams_and_embeds() {
    let fake = FakeOllama::start(FakeConfig {
        api_key: Some("sk-test-key".into()),
        ..FakeConfig::default()
    })
    .await
    .expect("fake");
    let client = openai(&fake, Some("sk-test-key"));
    assert!(!format!("{client:?}").contains("sk-test-key"));
    let names: Vec<_> = client
        .models()
        .await
        .expect("models")
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert!(names.contains(&"llama3.2:3b".to_owned()));
    let answer = ask(&client, "llama3.2:3b").await;
    assert_eq!(answer.error, None);
    assert_eq!(answer.text(), DEFAULT_ANSWER);
    assert_eq!(
        answer.done.expect("done").eval_count,
        Some(answer.tokens.len() as u64)
    );
    fake.set_split_writes(Some(3));
    assert_eq!(ask(&client, "llama3.2:3b").await.text(), DEFAULT_ANSWER);
    fake.set_split_writes(None);
    let texts = vec!["one".to_owned(), "two words".to_owned()];
    let vectors = client.embed(&texts).await.expect("vectors");
    assert_eq!(
        vectors[1],
        HashEmbedder::new("nomic-embed-text", 768).vector("two words")
    );
    // Errors in the OpenAI shape.
    let err = openai(&fake, None).models().await.expect_err("401");
    assert!(
        matches!(&err, LlmError::Status { status: 401, message, .. } if message == "invalid api key"),
        "{err:?}"
    );
    assert_eq!(
        client.chat(question("gpt-nothing")).await.err(),
        Some(LlmError::ModelNotFound("gpt-nothing".into()))
    );
    fake.set_die_after(Some(2));
    let answer = ask(&client, "llama3.2:3b").await;
    assert_eq!(answer.tokens.len(), 2);
    assert!(matches!(answer.error, Some(LlmError::Interrupted { .. })));
    fake.set_die_after(None);
    fake.set_stall_after(Some(1));
    let answer = ask(&client, "llama3.2:3b").await;
    assert_eq!(answer.tokens.len(), 1);
    assert!(matches!(answer.error, Some(LlmError::Timeout { .. })));
    fake.stop().await;
}

/// The knob is only worth something if the pieces really are separate reads on the wire.
#[tokio::test]
async fn split_writes_reach_the_socket_as_separate_reads() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = fake().await;
    fake.set_answer("Grüße [1]");
    fake.set_split_writes(Some(2));
    let mut socket = tokio::net::TcpStream::connect(fake.addr())
        .await
        .expect("connect");
    let body = r#"{"model":"llama3.2:3b","messages":[{"role":"user","content":"hi"}]}"#;
    let request = format!(
        "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.expect("write");
    let mut reads = 0;
    let mut all = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = socket.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        reads += 1;
        all.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&all);
    assert!(text.contains("application/x-ndjson"), "{text}");
    assert!(reads > 20, "{reads} reads");
    fake.stop().await;
}

/// One client, built once, serves many answers at the same time.
#[tokio::test]
async fn one_client_streams_many_answers_at_once() {
    let fake = fake().await;
    fake.set_token_delay(Duration::from_millis(1));
    let ollama = client(&fake);
    let answers = futures::future::join_all((0..16).map(|_| ask(&ollama, "llama3.2:3b"))).await;
    for answer in answers {
        assert_eq!(answer.error, None);
        assert_eq!(answer.text(), DEFAULT_ANSWER);
    }
    assert_eq!(fake.requests("/api/chat"), 16);
    fake.stop().await;
}

/// A request body the fake refuses gets Ollama's 400 shape; the client quotes it.
#[tokio::test]
async fn the_fake_answers_bad_requests_as_ollama_does() {
    let fake = fake().await;
    let http = reqwest::Client::new();
    for (path, body) in [
        ("/api/chat", "not json"),
        ("/api/chat", r#"{"messages":[]}"#),
        ("/api/chat", r#"{"model":"llama3.2:3b","messages":"hi"}"#),
        ("/api/embed", r#"{"model":"nomic-embed-text","input":3}"#),
        ("/v1/embeddings", r#"[]"#),
    ] {
        let response = http
            .post(format!("{}{path}", fake.url()))
            .body(body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 400, "{path} {body}");
        let json: serde_json::Value = response.json().await.expect("json");
        assert!(
            json["error"].is_string() || json["error"]["message"].is_string(),
            "{json}"
        );
    }
    let response = http
        .get(format!("{}/api/nothing", fake.url()))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 404);
    fake.stop().await;
}

/// A model that takes longer to load than `request_timeout` is a timeout, not a hang.
#[tokio::test]
async fn an_answer_that_never_starts_is_a_timeout() {
    let fake = fake().await;
    fake.set_chat_delay(Duration::from_secs(3));
    let ollama = Ollama::new(
        &fake.url(),
        OllamaOptions {
            request_timeout: Duration::from_millis(300),
            ..options()
        },
    )
    .expect("client");
    let started = Instant::now();
    let err = ollama
        .chat(question("llama3.2:3b"))
        .await
        .err()
        .expect("timeout");
    assert!(matches!(err, LlmError::Timeout { secs: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("loading the model"));
    assert!(started.elapsed() < Duration::from_millis(1500));
    fake.stop().await;
}
