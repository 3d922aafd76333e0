//! The status parsers against a verbatim s6 2.11 transcript, the other versions' forms,
//! hostile input and arbitrary bytes.

use std::time::Duration;

use proptest::prelude::*;
use workbench_s6::Status;
use workbench_s6::discovery::{Discovery, ScanError, s6_error};

const TRANSCRIPT: &str = include_str!("data/s6-transcript.txt");

/// (command, output lines, rc) for every `s6-svstat` call in the transcript.
fn svstat_calls() -> Vec<(String, Vec<String>, i32)> {
    let mut calls = Vec::new();
    let mut lines = TRANSCRIPT.lines();
    while let Some(line) = lines.next() {
        let Some(cmd) = line.strip_prefix("$ ") else {
            continue;
        };
        let mut out = Vec::new();
        let mut rc = None;
        for l in lines.by_ref() {
            if let Some(r) = l.strip_prefix("[rc=") {
                rc = Some(r.trim_end_matches(']').parse().expect("rc"));
                break;
            }
            out.push(l.to_string());
        }
        if cmd.contains("s6-svstat") {
            calls.push((cmd.to_string(), out, rc.expect("rc line")));
        }
    }
    calls
}

#[test]
fn every_transcript_status_line_parses() {
    let calls = svstat_calls();
    assert!(calls.len() >= 15, "found {}", calls.len());
    let mut parsed = 0;
    for (cmd, out, rc) in calls {
        if rc != 0 {
            // Errors: never mistaken for a status.
            for l in &out {
                assert!(Status::parse(l).is_err(), "{cmd}: {l}");
            }
            continue;
        }
        if cmd.contains(" -u ") {
            assert_eq!(out, ["true"]);
            continue;
        }
        assert_eq!(out.len(), 1, "{cmd}");
        let st = Status::parse(&out[0]).unwrap_or_else(|e| panic!("{cmd}: {:?}: {e}", out[0]));
        let also = if cmd.contains(" -o ") {
            Status::parse_fields(&out[0])
        } else {
            Status::parse_human(&out[0])
        };
        assert_eq!(Ok(st), also);
        parsed += 1;
    }
    assert!(parsed >= 15);
}

#[test]
fn human_and_field_forms_agree_on_the_transcript() {
    // Pairs captured back to back: the human then the field form of the same state.
    let pairs = [
        (
            "down (exitcode 0) 1 seconds, normally up, ready 1 seconds",
            "false false true false false -1 0 NA -1 @400000006b07378d2cf414a2 @400000006b07378d2cfccc5b 1 1",
        ),
        (
            "down (signal SIGKILL) 0 seconds, normally up, want up, ready 0 seconds",
            "false true true false false -1 -1 SIGKILL 9 @400000006b073791156d70c5 @400000006b07379115b16370 0 0",
        ),
    ];
    for (human, fields) in pairs {
        let h = Status::parse_human(human).expect(human);
        let f = Status::parse_fields(fields).expect(fields);
        assert_eq!(h, f, "{human}");
    }
    let up = Status::parse_fields(
        "true true true false false 9 -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 3 3",
    )
    .expect("up");
    let h = Status::parse_human("up (pid 9) 3 seconds").expect("up");
    assert_eq!(
        (h.up, h.wanted_up, h.normally_up, h.pid),
        (up.up, up.wanted_up, up.normally_up, up.pid)
    );
}

#[test]
fn human_form_details() {
    let s = Status::parse_human("up (pid 74) 6 seconds, normally down, want down").expect("ok");
    assert!(s.up && !s.wanted_up && !s.normally_up);
    assert_eq!(s.pid, Some(74));
    assert_eq!(s.since_secs, Some(6));
    let s = Status::parse_human("up (pid 91) 4 seconds, paused").expect("ok");
    assert!(s.paused && s.wanted_up && s.normally_up);
    let s = Status::parse_human(
        "down (signal SIGKILL) 0 seconds, normally up, want up, ready 0 seconds",
    )
    .expect("ok");
    assert!(!s.up && s.wanted_up && s.normally_up && !s.ready);
    assert_eq!(s.signal.as_deref(), Some("SIGKILL"));
    assert_eq!(s.ready_secs, Some(0));
}

#[test]
fn other_versions_forms() {
    // 2.13: pgid; 2.14: pgid == pid.
    let s =
        Status::parse_human("up (pid 123 pgid 120) 42 seconds, ready 41 seconds").expect("2.13");
    assert_eq!(
        (s.pid, s.ready, s.ready_secs, s.since_secs),
        (Some(123), true, Some(41), Some(42))
    );
    Status::parse_human("up (pid 7 pgid 7) 0 seconds").expect("2.14");
    // 2.13.2+: never started.
    let s = Status::parse_human("down (not started yet)").expect("never started");
    assert_eq!((s.up, s.since_secs, s.exit_code), (false, None, None));
    let s = Status::parse_human("down (not started yet), normally up, want up")
        .expect("never started, wanted");
    assert!(s.wanted_up && s.normally_up);
    // `-n`: numeric signals.
    let s = Status::parse_human("down (signal 15) 3 seconds, normally up").expect("-n");
    assert_eq!(s.signal.as_deref(), Some("SIGTERM"));
    let s = Status::parse_human("down (signal 64) 3 seconds").expect("-n, unnamed");
    assert_eq!(s.signal.as_deref(), Some("signal 64"));
    let s = Status::parse_human(
        "down (exitcode 111) 12 seconds, normally up, want up, ready 12 seconds",
    )
    .expect("exit");
    assert_eq!(s.exit_code, Some(111));
    // Before 2.9: no parenthesis when down.
    let s = Status::parse_human("down 5 seconds, normally up").expect("old");
    assert_eq!(s.since_secs, Some(5));
    // 2.13+ field form with readiness.
    let s = Status::parse_fields("true true true true false 42 -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 10 9")
        .expect("ready");
    assert!(s.ready);
}

#[test]
fn malformed_lines_are_errors() {
    for bad in [
        "",
        "   ",
        "up",
        "up 3 seconds",
        "up (pid x) 3 seconds",
        "up (pid 9 3 seconds",
        "up (pid 9) 3 second",
        "up (pid 9) -3 seconds",
        "up (pid 9) 3 seconds, normally up",
        "up (pid 9) 3 seconds, want up",
        "down (pid 9) 3 seconds",
        "down (exitcode 0)",
        "down (signal SIGTERM)",
        "down (signal FOO) 1 seconds",
        "down (exitcode 0) 1 seconds, paused",
        "down (exitcode 0) 1 seconds, bogus",
        "sideways (pid 9) 3 seconds",
        "s6-svstat: fatal: : unable to read status for /run/service/nope: s6-supervise not running",
        "s6-svstat: fatal: invalid option field: bogus",
        "true true true false false 9 -1 NA -1 @4000 @4000 3 3",
        "true true true false false 9 -1 NA -1",
        "true yes true false false 9 -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 3 3",
        "true true true false false 9 -1 KILL -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 3 3",
        "true true true false false 99999999999 -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 3 3",
    ] {
        assert!(Status::parse(bad).is_err(), "{bad:?} parsed");
    }
    let huge = format!("up (pid 9) {} seconds", "9".repeat(5000));
    assert!(Status::parse(&huge).is_err());
    assert!(
        Status::parse("up (pid 9) 99999999999999999999999 seconds").is_err(),
        "overflow"
    );
}

#[test]
fn discovery_output() {
    let out = "scan\t/run/service\t/command\n\
        svc\tsvc-nginx\t0\t/run/service/svc-nginx\ttrue true true false false 9 -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 3 3\n\
        svc\tsvc-rtorrent\t1\t/run/s6-rc/servicedirs/svc-rtorrent\ts6-svstat: fatal: : unable to read status for /run/service/svc-rtorrent: s6-supervise not running\n\
        svc\ts6rc-oneshot-runner\t0\t/run/service/s6rc-oneshot-runner\ttrue true true false false 9 -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 3 3\n\
        svc\t-bad\t0\tx\ty\n\
        garbage line\n";
    let d = Discovery::parse(out, Duration::ZERO).expect("parse");
    assert_eq!(d.scan_dir, "/run/service");
    assert_eq!(d.services.len(), 2, "internal and invalid names dropped");
    assert_eq!(
        d.service("svc-nginx")
            .expect("nginx")
            .status
            .as_ref()
            .expect("ok")
            .pid,
        Some(9)
    );
    let rt = d.service("svc-rtorrent").expect("rt");
    assert_eq!(rt.kind, workbench_s6::ControlKind::S6Rc);
    assert_eq!(rt.status, Err("s6-supervise not running".into()));
    assert_eq!(
        Discovery::parse("nobin\n", Duration::ZERO),
        Err(ScanError::NoBinaries)
    );
    assert_eq!(
        Discovery::parse("noscan\n", Duration::ZERO),
        Err(ScanError::NoScanDir)
    );
    assert!(Discovery::parse("", Duration::ZERO).is_err());
    assert!(Discovery::parse("scan\trelative\t/command\n", Duration::ZERO).is_err());
    assert!(Discovery::parse("scan\t/a/../b\t/command\n", Duration::ZERO).is_err());
    assert!(Discovery::parse(&"x".repeat(300 * 1024), Duration::ZERO).is_err());
    assert_eq!(
        s6_error("s6-svc: fatal: unable to control /run/service/nope: No such file or directory"),
        "No such file or directory"
    );
}

proptest! {
    #[test]
    fn parse_never_panics(s in ".{0,300}") {
        let _ = Status::parse(&s);
        let _ = Discovery::parse(&s, Duration::ZERO);
    }

    #[test]
    fn parse_never_panics_on_near_misses(
        word in prop::sample::select(vec!["up", "down", "true", "false", "x"]),
        inner in "[a-z0-9 ]{0,20}",
        n in any::<i64>(),
        tail in prop::collection::vec(prop::sample::select(vec![
            ", normally up", ", normally down", ", want up", ", want down", ", paused", ", ready 3 seconds", ", ready", ",",
        ]), 0..5),
    ) {
        let line = format!("{word} ({inner}) {n} seconds{}", tail.concat());
        let _ = Status::parse(&line);
    }

    #[test]
    fn field_form_roundtrip(up in any::<bool>(), want in any::<bool>(), pid in 1u32..1_000_000, secs in 0u64..1_000_000_000) {
        let line = format!("{up} {want} true false false {pid} -1 NA -1 @400000006b07378a116a1b3f @400000006b07378a1117a818 {secs} {secs}");
        let s = Status::parse(&line).expect("valid");
        prop_assert_eq!((s.up, s.wanted_up, s.pid, s.since_secs), (up, want, Some(pid), Some(secs)));
    }

    #[test]
    fn human_up_roundtrip(pid in 1u32..4_000_000, secs in 0u64..u64::MAX / 2) {
        let s = Status::parse(&format!("up (pid {pid}) {secs} seconds")).expect("valid");
        prop_assert_eq!((s.pid, s.since_secs), (Some(pid), Some(secs)));
    }
}
