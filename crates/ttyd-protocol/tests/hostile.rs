//! Hostile and malformed input: large frames, bad UTF-8, deep nesting,
//! numbers of every wrong kind.

use ttyd_protocol::{
    ClientMessage, Hello, MAX_JSON_LEN, MAX_TITLE_LEN, ProtocolError, ServerMessage, WindowSize,
    decode_client, decode_server,
};

const MIB: usize = 1024 * 1024;

fn is_invalid_json(r: &Result<impl std::fmt::Debug, ProtocolError>, what: &str) -> bool {
    matches!(r, Err(ProtocolError::InvalidJson { what: w, .. }) if *w == what)
}

/// A hello of exactly `len` bytes: `{"AuthToken":"xxx…"}`.
fn hello_of_len(len: usize) -> Vec<u8> {
    let overhead = br#"{"AuthToken":""}"#.len();
    let mut v = br#"{"AuthToken":""#.to_vec();
    v.extend(std::iter::repeat_n(b'x', len - overhead));
    v.extend_from_slice(br#""}"#);
    assert_eq!(v.len(), len);
    v
}

#[test]
fn one_mib_input_is_fine() {
    let mut frame = vec![b'0'];
    frame.extend((0..MIB).map(|i| (i % 251) as u8));
    match decode_client(&frame) {
        Ok(ClientMessage::Input(data)) => assert_eq!(data, &frame[1..]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_mib_output_is_fine() {
    let mut frame = vec![b'0'];
    frame.extend(std::iter::repeat_n(0xffu8, MIB));
    assert_eq!(
        decode_server(&frame),
        Ok(ServerMessage::Output(frame[1..].to_vec()))
    );
}

#[test]
fn one_mib_hello_is_rejected() {
    let frame = hello_of_len(MIB);
    assert_eq!(
        decode_client(&frame),
        Err(ProtocolError::TooLarge {
            what: "hello",
            len: MIB,
            max: MAX_JSON_LEN
        })
    );
}

#[test]
fn hello_limit_is_inclusive() {
    match decode_client(&hello_of_len(MAX_JSON_LEN)) {
        Ok(ClientMessage::Hello(h)) => assert_eq!(h.auth_token.len(), MAX_JSON_LEN - 16),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decode_client(&hello_of_len(MAX_JSON_LEN + 1)),
        Err(ProtocolError::TooLarge { .. })
    ));
}

#[test]
fn large_resize_preferences_title_rejected() {
    let mut resize = br#"1{"columns":80,"rows":24,"pad":""#.to_vec();
    resize.extend(std::iter::repeat_n(b' ', MIB));
    resize.extend_from_slice(br#""}"#);
    assert!(matches!(
        decode_client(&resize),
        Err(ProtocolError::TooLarge { what: "resize", .. })
    ));

    let mut prefs = br#"2{"pad":""#.to_vec();
    prefs.extend(std::iter::repeat_n(b'a', MIB));
    prefs.extend_from_slice(br#""}"#);
    assert!(matches!(
        decode_server(&prefs),
        Err(ProtocolError::TooLarge {
            what: "preferences",
            ..
        })
    ));

    let mut title = vec![b'1'];
    title.extend(std::iter::repeat_n(b't', MAX_TITLE_LEN));
    assert!(decode_server(&title).is_ok());
    title.push(b't');
    assert!(matches!(
        decode_server(&title),
        Err(ProtocolError::TooLarge {
            what: "window title",
            ..
        })
    ));
}

#[test]
fn invalid_utf8_in_json_is_rejected() {
    // Inside a string value.
    assert!(is_invalid_json(
        &decode_client(b"{\"AuthToken\":\"\xff\xfe\"}"),
        "hello"
    ));
    // Inside an ignored key/value.
    assert!(is_invalid_json(
        &decode_client(b"{\"AuthToken\":\"t\",\"x\xc3\":1}"),
        "hello"
    ));
    assert!(is_invalid_json(
        &decode_client(b"1{\"columns\":80,\"rows\":24,\"n\":\"\xc0\xaf\"}"),
        "resize"
    ));
    assert!(is_invalid_json(
        &decode_server(b"2{\"fontFamily\":\"\xed\xa0\x80\"}"),
        "preferences"
    ));
    // Outside strings.
    assert!(is_invalid_json(
        &decode_client(b"1\xff{\"columns\":80,\"rows\":24}"),
        "resize"
    ));
    // A lone surrogate escape is not a valid string either.
    assert!(is_invalid_json(
        &decode_client(br#"{"AuthToken":"\ud800"}"#),
        "hello"
    ));
}

#[test]
fn invalid_utf8_title_is_decoded_lossily() {
    assert_eq!(
        decode_server(b"1bash \xff (host)"),
        Ok(ServerMessage::SetWindowTitle("bash \u{fffd} (host)".into()))
    );
}

/// Kept values (preferences) nest at most 128 deep; values under ignored keys
/// are skipped without recursion, so depth there is harmless (no stack
/// overflow either way).
#[test]
fn deep_nesting_never_overflows() {
    // As deep as the size limit allows, in an ignored key of the hello:
    // skipped iteratively, accepted.
    let depth = MAX_JSON_LEN / 2 - 32;
    let mut hello = br#"{"AuthToken":"t","x":"#.to_vec();
    hello.extend(std::iter::repeat_n(b'[', depth));
    hello.extend(std::iter::repeat_n(b']', depth));
    hello.push(b'}');
    assert!(hello.len() <= MAX_JSON_LEN);
    assert_eq!(
        decode_client(&hello),
        Ok(ClientMessage::Hello(Hello {
            auth_token: "t".into(),
            size: WindowSize::DEFAULT
        }))
    );
    // Unbalanced: still an error, found without recursion.
    hello.pop();
    hello.pop();
    assert!(is_invalid_json(&decode_client(&hello), "hello"));

    // Objects in objects, in the preferences.
    let depth = 5000;
    let mut prefs = b"2".to_vec();
    for _ in 0..depth {
        prefs.extend_from_slice(br#"{"a":"#);
    }
    prefs.extend_from_slice(b"1");
    prefs.extend(std::iter::repeat_n(b'}', depth));
    assert!(is_invalid_json(&decode_server(&prefs), "preferences"));

    // Just past serde_json's limit of 128.
    let mut prefs = b"2".to_vec();
    prefs.extend(std::iter::repeat_n(b'[', 129));
    prefs.extend(std::iter::repeat_n(b']', 129));
    let mut obj = br#"2{"a":"#.to_vec();
    obj.extend_from_slice(&prefs[1..]);
    obj.push(b'}');
    assert!(is_invalid_json(&decode_server(&obj), "preferences"));

    // Deep nesting where a number belongs.
    let mut resize = br#"1{"columns":"#.to_vec();
    resize.extend(std::iter::repeat_n(b'[', 10_000));
    resize.extend(std::iter::repeat_n(b']', 10_000));
    resize.extend_from_slice(br#","rows":24}"#);
    assert!(is_invalid_json(&decode_client(&resize), "resize"));
}

#[test]
fn moderate_nesting_in_preferences_is_fine() {
    let depth = 100;
    let mut prefs = b"2".to_vec();
    for _ in 0..depth {
        prefs.extend_from_slice(br#"{"a":"#);
    }
    prefs.extend_from_slice(b"true");
    prefs.extend(std::iter::repeat_n(b'}', depth));
    assert!(decode_server(&prefs).is_ok());
}

#[test]
fn nested_values_where_numbers_belong() {
    assert!(is_invalid_json(
        &decode_client(br#"1{"columns":{"columns":80},"rows":24}"#),
        "resize"
    ));
    assert!(is_invalid_json(
        &decode_client(br#"{"AuthToken":"t","columns":[80],"rows":24}"#),
        "hello"
    ));
    assert!(is_invalid_json(
        &decode_client(br#"{"AuthToken":{"nested":"t"}}"#),
        "hello"
    ));
}

/// Every wrong kind of number for a dimension, in a resize and in a hello.
#[test]
fn bad_numbers() {
    let invalid_size = |frame: &[u8], value: &str| {
        let r = decode_client(frame);
        assert!(
            matches!(&r, Err(ProtocolError::InvalidSize { value: v, .. }) if v == value),
            "{}: {r:?}",
            String::from_utf8_lossy(frame)
        );
    };
    for (n, shown) in [
        ("-1", "-1"),
        ("-65536", "-65536"),
        ("4097", "4097"),
        ("65535", "65535"),
        ("65536", "65536"),
        ("4294967296", "4294967296"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("18446744073709551615", "18446744073709551615"),
        ("99999999999999999999999", "1e+23"),
        ("1e30", "1e+30"),
        ("80.5", "80.5"),
        ("80.0", "80.0"),
        ("-0.0", "-0.0"),
    ] {
        invalid_size(format!(r#"1{{"columns":{n},"rows":24}}"#).as_bytes(), shown);
        invalid_size(
            format!(r#"{{"AuthToken":"","columns":80,"rows":{n}}}"#).as_bytes(),
            shown,
        );
    }
    // Numbers serde_json cannot represent at all: a JSON error.
    for n in ["1e400", "-1e400"] {
        assert!(is_invalid_json(
            &decode_client(format!(r#"1{{"columns":{n},"rows":24}}"#).as_bytes()),
            "resize"
        ));
    }
    // Non-numbers (json-c would convert "80" and true; we do not).
    for v in [r#""80""#, "true", "false", "[]", "{}"] {
        assert!(is_invalid_json(
            &decode_client(format!(r#"1{{"columns":{v},"rows":24}}"#).as_bytes()),
            "resize"
        ));
        assert!(is_invalid_json(
            &decode_client(format!(r#"{{"columns":{v}}}"#).as_bytes()),
            "hello"
        ));
    }
    // null is "absent": default in a hello, missing in a resize.
    assert_eq!(
        decode_client(br#"1{"columns":null,"rows":24}"#),
        Err(ProtocolError::MissingField {
            what: "resize",
            field: "columns"
        })
    );
    // serde_json reads -0 as the float -0.0 (json-c as integer 0): invalid.
    invalid_size(br#"{"columns":-0,"rows":24}"#, "-0.0");
    // The largest accepted value.
    assert_eq!(
        decode_client(br#"1{"columns":4096,"rows":4096}"#),
        Ok(ClientMessage::Resize(
            WindowSize::new(4096, 4096).expect("max")
        ))
    );
}

#[test]
fn json_shape_errors() {
    // Not an object.
    assert!(is_invalid_json(&decode_client(b"1[80,24]"), "resize"));
    assert!(is_invalid_json(&decode_client(b"1"), "resize"));
    assert!(is_invalid_json(&decode_client(b"1   "), "resize"));
    // Duplicate known key (json-c would keep one of them).
    assert!(is_invalid_json(
        &decode_client(br#"1{"columns":80,"columns":81,"rows":24}"#),
        "resize"
    ));
    assert!(is_invalid_json(
        &decode_client(br#"{"AuthToken":"a","AuthToken":"b"}"#),
        "hello"
    ));
    // Trailing data.
    assert!(is_invalid_json(
        &decode_client(br#"1{"columns":80,"rows":24}{}"#),
        "resize"
    ));
    assert!(is_invalid_json(
        &decode_client(b"{\"AuthToken\":\"t\"}\x00"),
        "hello"
    ));
    // Whitespace around the object is JSON and fine.
    assert_eq!(
        decode_client(b"1 \r\n{\"columns\":80,\"rows\":24}\n"),
        Ok(ClientMessage::Resize(WindowSize::DEFAULT))
    );
}

/// An AuthToken with an embedded NUL is kept whole (ttyd's strcmp would stop
/// at the NUL).
#[test]
fn token_with_nul_kept_whole() {
    match decode_client(br#"{"AuthToken":"dXNlcjpwYXNz\u0000junk"}"#) {
        Ok(ClientMessage::Hello(h)) => assert_eq!(h.auth_token, "dXNlcjpwYXNz\0junk"),
        other => panic!("{other:?}"),
    }
}

/// `null` AuthToken is treated as absent (empty), a number is an error.
#[test]
fn token_types() {
    assert!(matches!(
        decode_client(br#"{"AuthToken":null}"#),
        Ok(ClientMessage::Hello(Hello { ref auth_token, .. })) if auth_token.is_empty()
    ));
    assert!(is_invalid_json(
        &decode_client(br#"{"AuthToken":12345}"#),
        "hello"
    ));
}
