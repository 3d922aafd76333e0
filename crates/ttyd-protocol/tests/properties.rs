//! Property tests: the decoders never panic, and encode → decode is the
//! identity for every message kind.

use proptest::prelude::*;
use serde_json::{Map, Value};
use ttyd_protocol::{
    ClientMessage, CloseFrame, ExitStatus, Hello, MAX_CLOSE_REASON_LEN, ProtocolError,
    ServerMessage, WindowSize, close_for_exit, decode_client, decode_server, encode_client,
    encode_input, encode_output, encode_server,
};

fn arb_size() -> impl Strategy<Value = WindowSize> {
    (1..=WindowSize::MAX, 1..=WindowSize::MAX)
        .prop_map(|(c, r)| WindowSize::new(c, r).expect("in range"))
}

fn arb_client() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        (any::<String>(), arb_size())
            .prop_map(|(auth_token, size)| ClientMessage::Hello(Hello { auth_token, size })),
        proptest::collection::vec(any::<u8>(), 0..1024).prop_map(ClientMessage::Input),
        arb_size().prop_map(ClientMessage::Resize),
        Just(ClientMessage::Pause),
        Just(ClientMessage::Resume),
    ]
}

/// JSON values whose numbers survive a text round trip exactly (integers and
/// dyadic fractions; serde_json's default float parser is not exact for all
/// f64, and preferences never need that).
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i32>().prop_map(|n| Value::from(f64::from(n) / 8.0)),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_prefs() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(any::<String>(), arb_json(), 0..8)
        .prop_map(|m| m.into_iter().collect())
}

fn arb_server() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1024).prop_map(ServerMessage::Output),
        any::<String>().prop_map(ServerMessage::SetWindowTitle),
        arb_prefs().prop_map(ServerMessage::SetPreferences),
    ]
}

/// Bytes that look like a frame: a plausible command byte, then a soup of
/// JSON tokens, digits and arbitrary bytes, to drive the parsers deep.
fn arb_frame_like() -> impl Strategy<Value = Vec<u8>> {
    let head = prop_oneof![
        Just(b'{'),
        Just(b'0'),
        Just(b'1'),
        Just(b'2'),
        Just(b'3'),
        any::<u8>()
    ];
    const TOKENS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b",",
        b"\"",
        b"\\",
        b"\"columns\":",
        b"\"rows\":",
        b"\"AuthToken\":",
        b"-",
        b"0",
        b"4096",
        b"65536",
        b"1e999",
        b".5",
        b"null",
        b"true",
        b"\\u0000",
        b"\\ud800",
        b" ",
        b"\xff",
        b"\xc3",
    ];
    let token = proptest::sample::select(TOKENS);
    (head, proptest::collection::vec(token, 0..64)).prop_map(|(h, toks)| {
        let mut v = vec![h];
        for t in toks {
            v.extend_from_slice(t);
        }
        v
    })
}

/// Decoding twice must agree with decoding once, when re-encoded.
fn check_reencode_client(frame: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(msg) = decode_client(frame) {
        prop_assert_eq!(decode_client(&encode_client(&msg)), Ok(msg));
    }
    Ok(())
}

fn check_reencode_server(frame: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(msg) = decode_server(frame) {
        prop_assert_eq!(decode_server(&encode_server(&msg)), Ok(msg));
    }
    Ok(())
}

proptest! {
    #[test]
    fn client_round_trip(msg in arb_client()) {
        prop_assert_eq!(decode_client(&encode_client(&msg)), Ok(msg));
    }

    #[test]
    fn server_round_trip(msg in arb_server()) {
        prop_assert_eq!(decode_server(&encode_server(&msg)), Ok(msg));
    }

    #[test]
    fn fast_paths_match(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(encode_input(&data), encode_client(&ClientMessage::Input(data.clone())));
        prop_assert_eq!(encode_output(&data), encode_server(&ServerMessage::Output(data)));
    }

    #[test]
    fn arbitrary_bytes_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_reencode_client(&frame)?;
        check_reencode_server(&frame)?;
    }

    #[test]
    fn frame_like_bytes_never_panic(frame in arb_frame_like()) {
        check_reencode_client(&frame)?;
        check_reencode_server(&frame)?;
    }

    /// A resize with arbitrary integers is accepted exactly when both are in
    /// 1..=MAX, and then gives those values.
    #[test]
    fn resize_integer_model(c in any::<i64>(), r in any::<i64>()) {
        let frame = format!(r#"1{{"columns":{c},"rows":{r}}}"#);
        let ok = |v: i64| (1..=i64::from(WindowSize::MAX)).contains(&v);
        match decode_client(frame.as_bytes()) {
            Ok(ClientMessage::Resize(s)) => {
                prop_assert!(ok(c) && ok(r));
                prop_assert_eq!((i64::from(s.columns()), i64::from(s.rows())), (c, r));
            }
            Err(ProtocolError::InvalidSize { .. }) => prop_assert!(!(ok(c) && ok(r))),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// Same for a hello, where 0 means the default.
    #[test]
    fn hello_integer_model(c in -10i64..5000, r in prop_oneof![Just(0i64), 1i64..5000, any::<i64>()]) {
        let frame = format!(r#"{{"AuthToken":"t","columns":{c},"rows":{r}}}"#);
        let valid = |v: i64| (0..=i64::from(WindowSize::MAX)).contains(&v);
        let or_default = |v: i64, d: u16| if v == 0 { i64::from(d) } else { v };
        match decode_client(frame.as_bytes()) {
            Ok(ClientMessage::Hello(h)) => {
                prop_assert!(valid(c) && valid(r));
                prop_assert_eq!(i64::from(h.size.columns()), or_default(c, 80));
                prop_assert_eq!(i64::from(h.size.rows()), or_default(r, 24));
            }
            Err(ProtocolError::InvalidSize { .. }) => prop_assert!(!(valid(c) && valid(r))),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// Floats never decode to a size (only JSON integers are sizes).
    #[test]
    fn resize_float_rejected(c in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let frame = format!(r#"1{{"columns":{c:?},"rows":24}}"#);
        prop_assert!(decode_client(frame.as_bytes()).is_err());
    }

    #[test]
    fn close_reason_bounded(reason in any::<String>(), code in any::<u16>()) {
        let f = CloseFrame::new(code, &reason);
        prop_assert!(f.reason().len() <= MAX_CLOSE_REASON_LEN);
        prop_assert!(reason.starts_with(f.reason()));
        if reason.len() <= MAX_CLOSE_REASON_LEN {
            prop_assert_eq!(f.reason(), reason.as_str());
        }
    }

    #[test]
    fn close_for_any_exit(status in prop_oneof![
        any::<i32>().prop_map(ExitStatus::Exited),
        any::<i32>().prop_map(ExitStatus::Signaled),
        Just(ExitStatus::Unknown),
    ]) {
        let f = close_for_exit(status);
        prop_assert!(f.reason().len() <= MAX_CLOSE_REASON_LEN);
        prop_assert!(!f.reason().is_empty());
        let normal = status == ExitStatus::Exited(0);
        prop_assert_eq!(f.code(), if normal { 1000 } else { 1011 });
    }
}
