//! Byte strings taken from the protocol reference (shared/reference/ttyd-protocol.md),
//! each next to the sentence it comes from.

use ttyd_protocol::{
    ClientMessage, Hello, MAX_CLOSE_REASON_LEN, ProtocolError, SUBPROTOCOL, ServerMessage,
    TOKEN_CONTENT_TYPE, TOKEN_PATH, TokenResponse, WS_PATH, WindowSize, close_code, close_for_exit,
    command, decode_client, decode_server, encode_client, encode_server,
};

fn size(c: u16, r: u16) -> WindowSize {
    WindowSize::new(c, r).expect("valid size")
}

fn hello(token: &str, c: u16, r: u16) -> ClientMessage {
    ClientMessage::Hello(Hello {
        auth_token: token.into(),
        size: size(c, r),
    })
}

// ---- §1 / §2: names -------------------------------------------------------

/// §1: "`<base>/token` serves the token JSON, `<base>/ws` is the WebSocket."
/// §2: "Subprotocol **`tty`**." §7: "`/token` returns
/// `application/json;charset=utf-8`".
#[test]
fn endpoint_names() {
    assert_eq!(WS_PATH, "/ws");
    assert_eq!(TOKEN_PATH, "/token");
    assert_eq!(SUBPROTOCOL, "tty");
    assert_eq!(TOKEN_CONTENT_TYPE, "application/json;charset=utf-8");
}

/// §3: "Type bytes are the characters `'0'`, `'1'`, `'2'`, `'3'` (0x30–0x33),
/// and `'{'` (0x7B) for the hello – never the raw values 0–3."
#[test]
fn command_bytes_are_ascii() {
    assert_eq!(command::INPUT, 0x30);
    assert_eq!(command::RESIZE_TERMINAL, 0x31);
    assert_eq!(command::PAUSE, 0x32);
    assert_eq!(command::RESUME, 0x33);
    assert_eq!(command::JSON_DATA, 0x7B);
    assert_eq!(command::OUTPUT, 0x30);
    assert_eq!(command::SET_WINDOW_TITLE, 0x31);
    assert_eq!(command::SET_PREFERENCES, 0x32);
}

// ---- §7: /token -----------------------------------------------------------

/// §7: "`/token` returns ... body `{"token": "<base64 credential>"}`, or
/// `{"token": ""}` without `-c` (note the space after the colon)".
#[test]
fn token_response_bodies() {
    let t: TokenResponse = serde_json::from_str(r#"{"token": ""}"#).expect("ttyd body");
    assert_eq!(t, TokenResponse::default());
    let t: TokenResponse =
        serde_json::from_str(r#"{"token": "dXNlcjpwYXNz"}"#).expect("ttyd body with -c");
    assert_eq!(t.token, "dXNlcjpwYXNz");
    assert_eq!(
        serde_json::to_string(&t).expect("serialize"),
        r#"{"token":"dXNlcjpwYXNz"}"#
    );
}

// ---- §3 / §10: framing errors ---------------------------------------------

/// §3: "Do not send an empty message (the server reads byte 0 unconditionally)".
#[test]
fn empty_message_is_an_error() {
    assert_eq!(decode_client(b""), Err(ProtocolError::EmptyFrame));
    assert_eq!(decode_server(b""), Err(ProtocolError::EmptyFrame));
}

/// §10: "A client that sends byte 0x00 or 0x01 as the type reaches the
/// server's 'unknown type, ignored' branch." §4: "other | ignored with a log line".
#[test]
fn raw_type_values_are_unknown_commands() {
    assert_eq!(
        decode_client(b"\x00ls\r"),
        Err(ProtocolError::UnknownCommand(0))
    );
    assert_eq!(
        decode_client(b"\x01{\"columns\":80,\"rows\":24}"),
        Err(ProtocolError::UnknownCommand(1))
    );
    assert_eq!(
        decode_client(b"4"),
        Err(ProtocolError::UnknownCommand(b'4'))
    );
}

// ---- §4: client → server --------------------------------------------------

/// §4: "sends, as its very first message, the JSON object `{"AuthToken": <token>,
/// "columns": <cols>, "rows": <rows>}`".
#[test]
fn hello_as_the_page_sends_it() {
    let frame = br#"{"AuthToken":"dXNlcjpwYXNz","columns":120,"rows":40}"#;
    assert_eq!(decode_client(frame), Ok(hello("dXNlcjpwYXNz", 120, 40)));
    // encode_client produces the same bytes the page's JSON.stringify does.
    assert_eq!(
        encode_client(&hello("dXNlcjpwYXNz", 120, 40)),
        frame.to_vec()
    );
    // Without -c the token is "" (§7 `{"token": ""}`).
    assert_eq!(
        decode_client(br#"{"AuthToken":"","columns":80,"rows":24}"#),
        Ok(hello("", 80, 24))
    );
}

/// §4: "Missing or zero `columns`/`rows` fall back to 80×24".
#[test]
fn hello_missing_or_zero_size_defaults() {
    for frame in [
        &br#"{"AuthToken":"t"}"#[..],
        br#"{"AuthToken":"t","columns":0,"rows":0}"#,
        br#"{"AuthToken":"t","columns":null,"rows":null}"#,
    ] {
        assert_eq!(decode_client(frame), Ok(hello("t", 80, 24)), "{frame:?}");
    }
    // Per dimension, as ttyd's `if (columns > 0) ...; if (rows > 0) ...`.
    assert_eq!(
        decode_client(br#"{"AuthToken":"t","columns":100}"#),
        Ok(hello("t", 100, 24))
    );
    assert_eq!(
        decode_client(br#"{"AuthToken":"t","columns":0,"rows":50}"#),
        Ok(hello("t", 80, 50))
    );
}

/// §10: "1.6.x | hello is only `{"AuthToken": …}`; the page sends the size as a
/// separate RESIZE right after". Accepted, with the default size.
#[test]
fn hello_of_a_1_6_page() {
    assert_eq!(
        decode_client(br#"{"AuthToken": "abc"}"#),
        Ok(hello("abc", 80, 24))
    );
    // A missing AuthToken is the same as "" (ttyd: no token → not authenticated).
    assert_eq!(decode_client(b"{}"), Ok(hello("", 80, 24)));
}

/// §4: "the whole message is a JSON object: `AuthToken` (string), `columns`,
/// `rows` (integers)". Other keys are never looked at by ttyd: ignored.
#[test]
fn hello_extra_keys_ignored() {
    assert_eq!(
        decode_client(
            br#"{"AuthToken":"t","columns":90,"rows":30,"extra":{"a":[1,2,3]},"x":null}"#
        ),
        Ok(hello("t", 90, 30))
    );
}

/// §4: "The JSON is parsed leniently (json-c; non-JSON after `{` just yields
/// no fields)." We are stricter: not JSON → error.
#[test]
fn hello_non_json_is_rejected_stricter_than_ttyd() {
    for frame in [
        &b"{garbage"[..],
        b"{",
        b"{\"AuthToken\":\"t\"",
        b"{} trailing",
    ] {
        assert!(
            matches!(
                decode_client(frame),
                Err(ProtocolError::InvalidJson { what: "hello", .. })
            ),
            "{frame:?}: {:?}",
            decode_client(frame)
        );
    }
}

/// §4: "**INPUT**: bytes after the type byte go to the pty unchanged – UTF-8
/// from keystrokes (`onData`) or arbitrary bytes (`onBinary`)".
#[test]
fn input() {
    assert_eq!(
        decode_client(b"0ls -la\r"),
        Ok(ClientMessage::Input(b"ls -la\r".to_vec()))
    );
    assert_eq!(
        decode_client(b"0\x1b[A\xff\x00"),
        Ok(ClientMessage::Input(b"\x1b[A\xff\x00".to_vec()))
    );
    assert_eq!(decode_client(b"0"), Ok(ClientMessage::Input(Vec::new())));
    assert_eq!(
        encode_client(&ClientMessage::Input("é".as_bytes().to_vec())),
        b"0\xc3\xa9".to_vec()
    );
}

/// §4: "`1` | RESIZE_TERMINAL | JSON `{"columns": C, "rows": R}`".
#[test]
fn resize() {
    assert_eq!(
        decode_client(br#"1{"columns": 120, "rows": 40}"#),
        Ok(ClientMessage::Resize(size(120, 40)))
    );
    assert_eq!(
        decode_client(br#"1{"rows":40,"columns":120}"#),
        Ok(ClientMessage::Resize(size(120, 40)))
    );
    assert_eq!(
        encode_client(&ClientMessage::Resize(size(120, 40))),
        br#"1{"columns":120,"rows":40}"#.to_vec()
    );
}

/// §4: "a message with only one key changes only that dimension; a zero in
/// either dimension makes the resize a no-op, and since the values are stored
/// as unsigned 16-bit numbers a negative one wraps around". We are stricter:
/// all three are errors (the server ignores them, like the no-op).
#[test]
fn resize_partial_zero_negative_rejected() {
    assert_eq!(
        decode_client(br#"1{"columns":120}"#),
        Err(ProtocolError::MissingField {
            what: "resize",
            field: "rows"
        })
    );
    assert_eq!(
        decode_client(br#"1{"rows":40}"#),
        Err(ProtocolError::MissingField {
            what: "resize",
            field: "columns"
        })
    );
    assert_eq!(
        decode_client(br#"1{"columns":0,"rows":40}"#),
        Err(ProtocolError::InvalidSize {
            what: "resize",
            field: "columns",
            value: "0".into()
        })
    );
    assert_eq!(
        decode_client(br#"1{"columns":80,"rows":-1}"#),
        Err(ProtocolError::InvalidSize {
            what: "resize",
            field: "rows",
            value: "-1".into()
        })
    );
}

/// §4: "`2` | PAUSE | none" and "`3` | RESUME | none".
#[test]
fn pause_resume() {
    assert_eq!(decode_client(b"2"), Ok(ClientMessage::Pause));
    assert_eq!(decode_client(b"3"), Ok(ClientMessage::Resume));
    assert_eq!(encode_client(&ClientMessage::Pause), b"2".to_vec());
    assert_eq!(encode_client(&ClientMessage::Resume), b"3".to_vec());
    // ttyd never reads past the type byte of these: a payload is ignored.
    assert_eq!(decode_client(b"2junk"), Ok(ClientMessage::Pause));
    assert_eq!(decode_client(b"3junk"), Ok(ClientMessage::Resume));
}

// ---- §5: server → client --------------------------------------------------

/// §5: "**Title**: the full command line as given to ttyd ..., a space, and the
/// hostname in parentheses – e.g. `bash (vm)`".
#[test]
fn window_title() {
    assert_eq!(
        decode_server(b"1bash (vm)"),
        Ok(ServerMessage::SetWindowTitle("bash (vm)".into()))
    );
    assert_eq!(
        encode_server(&ServerMessage::SetWindowTitle("bash (vm)".into())),
        b"1bash (vm)".to_vec()
    );
}

/// §5: "json-c prints it with spaces: with no options the payload is `{ }`,
/// with `-t fontSize=15` it is `{ "fontSize": 15 }` (observed)".
#[test]
fn preferences_as_ttyd_prints_them() {
    assert_eq!(
        decode_server(b"2{ }"),
        Ok(ServerMessage::SetPreferences(Default::default()))
    );
    let mut prefs = serde_json::Map::new();
    prefs.insert("fontSize".into(), 15.into());
    assert_eq!(
        decode_server(br#"2{ "fontSize": 15 }"#),
        Ok(ServerMessage::SetPreferences(prefs.clone()))
    );
    assert_eq!(
        encode_server(&ServerMessage::SetPreferences(prefs)),
        br#"2{"fontSize":15}"#.to_vec()
    );
    assert_eq!(
        encode_server(&ServerMessage::SetPreferences(Default::default())),
        b"2{}".to_vec()
    );
}

/// §5: "SET_PREFERENCES | UTF-8 JSON object of client options": a non-object
/// is rejected.
#[test]
fn preferences_must_be_an_object() {
    for frame in [&b"2[]"[..], b"2\"x\"", b"215", b"2", b"2null"] {
        assert!(
            matches!(
                decode_server(frame),
                Err(ProtocolError::InvalidJson {
                    what: "preferences",
                    ..
                })
            ),
            "{frame:?}"
        );
    }
}

/// §5: "OUTPUT | raw bytes read from the pty (not base64, not re-encoded)" and
/// "Messages cut UTF-8 and escape sequences anywhere".
#[test]
fn output_is_raw_and_may_cut_characters() {
    // "é" is C3 A9; a read may end after C3, and an escape after ESC [.
    assert_eq!(
        decode_server(b"0abc\xc3"),
        Ok(ServerMessage::Output(b"abc\xc3".to_vec()))
    );
    assert_eq!(
        decode_server(b"0\xa9\x1b["),
        Ok(ServerMessage::Output(b"\xa9\x1b[".to_vec()))
    );
    assert_eq!(
        encode_server(&ServerMessage::Output(b"\x1b[0m\r\n".to_vec())),
        b"0\x1b[0m\r\n".to_vec()
    );
}

/// §10: "1.4.0–1.5.0 | extra server type `3` SET_RECONNECT (payload: seconds,
/// decimal text), removed in 1.5.1". Not part of 1.7.x: unknown.
#[test]
fn set_reconnect_is_unknown() {
    assert_eq!(
        decode_server(b"310"),
        Err(ProtocolError::UnknownCommand(b'3'))
    );
    assert_eq!(
        decode_server(b"{}"),
        Err(ProtocolError::UnknownCommand(b'{'))
    );
}

// ---- §9: end of a session -------------------------------------------------

/// §9: "The server intends to send a close frame with **1000** if the exit
/// status is 0 and **1006** otherwise ... 1006 is a code RFC 6455 forbids in a
/// close frame"; §11: "use a legal code such as 1011 (not 1006)".
#[test]
fn close_codes_for_exit() {
    use ttyd_protocol::ExitStatus;

    let f = close_for_exit(ExitStatus::Exited(0));
    assert_eq!((f.code(), f.reason()), (1000, "exit status 0"));
    let f = close_for_exit(ExitStatus::Exited(2));
    assert_eq!((f.code(), f.reason()), (1011, "exit status 2"));
    let f = close_for_exit(ExitStatus::Signaled(9));
    assert_eq!((f.code(), f.reason()), (1011, "killed by signal 9"));
    let f = close_for_exit(ExitStatus::Unknown);
    assert_eq!((f.code(), f.reason()), (1011, "exit status unknown"));
    let f = close_for_exit(ExitStatus::Exited(i32::MIN));
    assert!(f.reason().len() <= MAX_CLOSE_REASON_LEN);
    // §9: "Wrong AuthToken → close 1008".
    assert_eq!(close_code::POLICY_VIOLATION, 1008);
}

#[cfg(unix)]
#[test]
fn exit_status_from_std() {
    use std::os::unix::process::ExitStatusExt;
    use ttyd_protocol::ExitStatus;

    // Raw wait statuses: exit code in bits 8..16, terminating signal in 0..7.
    let exited = std::process::ExitStatus::from_raw(2 << 8);
    assert_eq!(ExitStatus::from(exited), ExitStatus::Exited(2));
    let ok = std::process::ExitStatus::from_raw(0);
    assert_eq!(ExitStatus::from(ok), ExitStatus::Exited(0));
    let killed = std::process::ExitStatus::from_raw(9);
    assert_eq!(ExitStatus::from(killed), ExitStatus::Signaled(9));
}
