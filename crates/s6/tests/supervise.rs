//! The binary `supervise/status` parser against files captured from Debian 12's s6 2.11.3.2
//! (the fixture image), each next to what `s6-svstat -o` printed for it at the same second,
//! the 2.13 layout, the status report with a hex dump, and arbitrary bytes.

use std::time::Duration;

use proptest::prelude::*;
use workbench_s6::discovery::{Discovery, ScanError};
use workbench_s6::supervise::{SuperviseStatus, parse_od, split_files};
use workbench_s6::{Status, StatusFileError};

/// `date +%s` when the three captures below were taken.
const NOW: Duration = Duration::from_secs(1795649310);
const FIELDS_OUT: &str = "up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince,updownfor,readyfor";

/// (what `od -An -v -tx1 supervise/status` printed, what `s6-svstat -o FIELDS` printed).
const CAPTURES: [(&str, &str); 3] = [
    // nginx after `s6-svc -wD -d`: down, exit code 0, "ready" bit set (finish done).
    (
        " 40 00 00 00 6b 07 6f 43 16 69 5b ab 40 00 00 00\n 6b 07 6f 43 16 9a 74 6a 00 00 00 00 00 00 00 00\n 00 00 08\n",
        "false false true false false -1 0 NA -1 @400000006b076f4316695bab @400000006b076f43169a746a 0 0",
    ),
    // php-fpm after `s6-svc -p`: up and paused.
    (
        " 40 00 00 00 6b 07 6e 9e 35 12 88 1b 40 00 00 00\n 6b 07 6e 9e 34 eb b0 c2 00 00 00 00 00 00 00 0d\n 00 00 05\n",
        "true true true false true 13 -1 NA -1 @400000006b076e9e3512881b @400000006b076e9e34ebb0c2 164 164",
    ),
    // rtorrent, up.
    (
        " 40 00 00 00 6b 07 6e 9e 34 3f 8a e4 40 00 00 00\n 6b 07 6e 9e 33 f5 69 90 00 00 00 00 00 00 00 0a\n 00 00 04\n",
        "true true true false false 10 -1 NA -1 @400000006b076e9e343f8ae4 @400000006b076e9e33f56990 164 164",
    ),
];

#[test]
fn captured_files_read_as_s6_svstat_does() {
    assert_eq!(FIELDS_OUT, workbench_s6::status::FIELDS);
    for (od, svstat) in CAPTURES {
        let bytes = parse_od(od, 64).expect("od");
        assert_eq!(bytes.len(), 35);
        let file = SuperviseStatus::parse(&bytes).expect("file");
        let expected = Status::parse_fields(svstat).expect("svstat");
        assert_eq!(file.to_status(true, NOW), expected, "{svstat}");
    }
}

fn pack_213(pid: u64, pgid: u64, wstat: u16, flags: u8) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(0x4000_0000_6b07_6e9e_u64).to_be_bytes());
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&(0x4000_0000_6b07_6e9e_u64).to_be_bytes());
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&pid.to_be_bytes());
    b.extend_from_slice(&pgid.to_be_bytes());
    b.extend_from_slice(&wstat.to_be_bytes());
    b.push(flags);
    b
}

#[test]
fn layout_213_with_pgid() {
    let up = SuperviseStatus::parse(&pack_213(42, 42, 0, 0x0c)).expect("2.13");
    assert_eq!(up.pgid, Some(42));
    let st = up.to_status(false, Duration::from_secs(0x6b07_6e9e - 37 + 5));
    assert!(st.up && st.ready && st.wanted_up && !st.normally_up);
    assert_eq!((st.pid, st.since_secs), (Some(42), Some(5)));
    // Killed by SIGKILL (wstat 9), wanted up: down with its signal, no exit code.
    let killed = SuperviseStatus::parse(&pack_213(0, 0, 9, 0x04))
        .expect("killed")
        .to_status(true, Duration::ZERO);
    assert_eq!(killed.signal.as_deref(), Some("SIGKILL"));
    assert_eq!(
        (killed.up, killed.exit_code, killed.pid),
        (false, None, None)
    );
    // Exited 3 (wstat 0x0300).
    let exited = SuperviseStatus::parse(&pack_213(0, 0, 0x0300, 0))
        .expect("exited")
        .to_status(true, Duration::ZERO);
    assert_eq!((exited.exit_code, exited.signal), (Some(3), None));
    // Still running its finish script: s6 reports it down.
    let finishing = SuperviseStatus::parse(&pack_213(7, 7, 0, 0x02))
        .expect("finishing")
        .to_status(true, Duration::ZERO);
    assert!(!finishing.up);
    assert_eq!(finishing.pid, None);
}

#[test]
fn stamps_in_the_future_count_as_now() {
    let st = SuperviseStatus::parse(&pack_213(1, 1, 0, 4))
        .expect("file")
        .to_status(true, Duration::from_secs(1_000));
    assert_eq!(st.since_secs, Some(0));
}

#[test]
fn malformed_files_are_errors() {
    assert_eq!(SuperviseStatus::parse(&[]), Err(StatusFileError::Size(0)));
    assert_eq!(
        SuperviseStatus::parse(&[0; 36]),
        Err(StatusFileError::Size(36))
    );
    let mut bad_flags = pack_213(1, 1, 0, 0x10);
    assert_eq!(
        SuperviseStatus::parse(&bad_flags),
        Err(StatusFileError::Flags(0x10))
    );
    bad_flags[42] = 0;
    bad_flags[0] = 0x80;
    assert_eq!(
        SuperviseStatus::parse(&bad_flags),
        Err(StatusFileError::Stamp)
    );
    let huge_pid = pack_213(u64::MAX, 0, 0, 0);
    assert!(matches!(
        SuperviseStatus::parse(&huge_pid),
        Err(StatusFileError::Pid(_))
    ));
    assert_eq!(parse_od("4g", 10), Err(StatusFileError::Hex));
    assert_eq!(parse_od("400", 10), Err(StatusFileError::Hex));
    assert_eq!(parse_od("00 00 00", 2), Err(StatusFileError::Hex));
    assert!(split_files(&[0; 70], 3).is_err());
    assert!(split_files(&[0; 70], 0).is_err());
    assert_eq!(split_files(&[0; 86], 2).expect("two").len(), 2);
}

/// A fast report as the script prints it: status files in the dump, one service that only
/// `s6-svstat` could answer (unreadable file), in listing order.
#[test]
fn fast_report_parses() {
    let mut out = String::from("scan\t/var/run/s6/services\t/command\n");
    out.push_str("svf\tnginx\t/var/run/s6/services/nginx\t1\n");
    out.push_str("svc\tcron\t1\t/var/run/s6/services/cron\ts6-svstat: fatal: : unable to read status for /var/run/s6/services/cron: s6-supervise not running\n");
    out.push_str("svf\tphp-fpm\t/run/s6-rc:s6-rc-init:x/servicedirs/php-fpm\t0\n");
    out.push_str("svf\ts6rc-oneshot-runner\t/run/s6-rc/servicedirs/s6rc-oneshot-runner\t1\n");
    out.push_str("hex\n");
    out.push_str(CAPTURES[0].0);
    out.push_str(CAPTURES[1].0);
    out.push_str(CAPTURES[2].0);
    let d = Discovery::parse(&out, NOW).expect("report");
    let names: Vec<&str> = d.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["cron", "nginx", "php-fpm"],
        "internal service hidden"
    );
    let nginx = d.service("nginx").expect("nginx");
    assert_eq!(
        nginx.status,
        Ok(Status::parse_fields(CAPTURES[0].1).expect("svstat"))
    );
    let php = d.service("php-fpm").expect("php");
    assert_eq!(php.kind, workbench_s6::ControlKind::S6Rc);
    let php_status = php.status.as_ref().expect("php status");
    assert!(php_status.paused && !php_status.normally_up);
    assert_eq!(
        d.service("cron").expect("cron").status,
        Err("s6-supervise not running".into())
    );
}

#[test]
fn fast_report_with_a_bad_dump_asks_for_the_fallback() {
    let head = "scan\t/run/service\t/command\nsvf\tsvc-a\t/run/service/svc-a\t1\n";
    // od missing: no dump at all.
    assert!(matches!(
        Discovery::parse(&format!("{head}hex\n"), NOW),
        Err(ScanError::StatusFiles(_))
    ));
    assert!(matches!(
        Discovery::parse(head, NOW),
        Err(ScanError::StatusFiles(_))
    ));
    // A layout we do not know (36 bytes).
    let dump = " 00".repeat(36);
    assert!(matches!(
        Discovery::parse(&format!("{head}hex\n{dump}\n"), NOW),
        Err(ScanError::StatusFiles(_))
    ));
    // Hex with no service to give it to.
    assert!(
        Discovery::parse(
            &format!("scan\t/run/service\t/command\nhex\n{}\n", CAPTURES[0].0),
            NOW
        )
        .is_err()
    );
}

proptest! {
    #[test]
    fn arbitrary_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), now in any::<u64>(), normally in any::<bool>()) {
        if let Ok(st) = SuperviseStatus::parse(&bytes) {
            let _ = st.to_status(normally, Duration::from_secs(now));
        }
    }

    #[test]
    fn arbitrary_sized_right_never_panics(bytes in prop::collection::vec(any::<u8>(), 43), short in any::<bool>(), now in any::<u64>()) {
        let bytes = if short { &bytes[..35] } else { &bytes[..] };
        if let Ok(st) = SuperviseStatus::parse(bytes) {
            let s = st.to_status(true, Duration::from_secs(now));
            prop_assert!(s.pid.is_none() || s.up);
            prop_assert!(!(s.exit_code.is_some() && s.signal.is_some()));
        }
    }

    #[test]
    fn arbitrary_dumps_never_panic(text in "[0-9a-f \n]{0,400}", files in 0usize..12) {
        if let Ok(bytes) = parse_od(&text, 1024) {
            let _ = split_files(&bytes, files);
        }
    }

    #[test]
    fn arbitrary_reports_never_panic(lines in prop::collection::vec(prop_oneof![
        Just("svf\tsvc-a\t/run/service/svc-a\t1".to_string()),
        Just("svf\tsvc-b\t/run/s6-rc/servicedirs/svc-b\t0".to_string()),
        Just("hex".to_string()),
        "[0-9a-f ]{0,60}",
        ".{0,40}",
    ], 0..12), now in any::<u64>()) {
        let out = format!("scan\t/run/service\t/command\n{}", lines.join("\n"));
        let _ = Discovery::parse(&out, Duration::from_secs(now));
    }
}
