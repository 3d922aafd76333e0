//! Control argv: built from the action enum and validated names only.

use proptest::prelude::*;
use workbench_s6::control::{Action, ControlKind, ServiceName, explain_failure, steps};

fn names(n: &[&str]) -> Vec<ServiceName> {
    n.iter()
        .map(|s| ServiceName::new(s).expect("valid"))
        .collect()
}

#[test]
fn plain_s6_argv() {
    let n = names(&["svc-nginx", "svc-php-fpm"]);
    let s = steps(
        "/command",
        "/run/service",
        ControlKind::Svc,
        Action::Up,
        &n,
        false,
        10000,
    );
    assert_eq!(s.len(), 1);
    assert_eq!(
        s[0].argv,
        [
            "/command/s6-svc",
            "-wu",
            "-u",
            "-T",
            "10000",
            "/run/service/svc-nginx",
            "/run/service/svc-php-fpm"
        ]
    );
    let s = steps(
        "/command",
        "/run/service",
        ControlKind::Svc,
        Action::Down,
        &names(&["svc-rtorrent"]),
        true,
        60000,
    );
    assert_eq!(
        s[0].argv,
        [
            "/command/s6-svc",
            "-wD",
            "-d",
            "-T",
            "60000",
            "/run/service/svc-rtorrent"
        ]
    );
    let s = steps(
        "/usr/bin",
        "/var/run/s6/services",
        ControlKind::Svc,
        Action::Restart,
        &names(&["nginx"]),
        true,
        5,
    );
    assert_eq!(
        s[0].argv,
        [
            "/usr/bin/s6-svc",
            "-wr",
            "-r",
            "-T",
            "5",
            "/var/run/s6/services/nginx"
        ]
    );
    let s = steps(
        "/usr/bin",
        "/s",
        ControlKind::Svc,
        Action::Restart,
        &names(&["nginx"]),
        false,
        5,
    );
    assert_eq!(
        s[0].argv[1..3],
        ["-wu", "-u"],
        "restart of a down service starts it"
    );
}

#[test]
fn s6rc_argv() {
    let n = names(&["svc-nginx"]);
    let s = steps(
        "/command",
        "/run/service",
        ControlKind::S6Rc,
        Action::Restart,
        &n,
        true,
        7000,
    );
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[0].argv,
        ["/command/s6-rc", "-t", "7000", "-d", "change", "svc-nginx"]
    );
    assert_eq!(
        s[1].argv,
        ["/command/s6-rc", "-t", "7000", "-u", "change", "svc-nginx"]
    );
}

#[test]
fn names_and_actions() {
    for bad in [
        "",
        ".",
        "..",
        "-d",
        "a/b",
        "a b",
        "a;b",
        "$(x)",
        "a\nb",
        ".s6-svscan",
        &"a".repeat(65),
    ] {
        assert!(ServiceName::new(bad).is_err(), "{bad:?}");
    }
    for ok in ["svc-nginx", "php-fpm", "a", "x.y@z_1", &"a".repeat(64)] {
        assert!(ServiceName::new(ok).is_ok(), "{ok:?}");
    }
    assert_eq!("up".parse::<Action>(), Ok(Action::Up));
    assert_eq!("stop".parse::<Action>(), Ok(Action::Down));
    assert!("exit".parse::<Action>().is_err(), "-x is never exposed");
    assert!("UP".parse::<Action>().is_err());
    assert!(
        explain_failure(
            111,
            "s6-svc: fatal: unable to control /x: Permission denied"
        )
        .contains("permission denied")
    );
    assert!(
        explain_failure(
            100,
            "s6-svc: fatal: : unable to control /tmp/unsup: supervisor not listening"
        )
        .contains("not supervising")
    );
    assert!(explain_failure(99, "").contains("in time"));
}

proptest! {
    #[test]
    fn valid_names_never_look_like_options_or_paths(s in "\\PC{0,80}") {
        if let Ok(n) = ServiceName::new(&s) {
            prop_assert!(!n.as_str().starts_with('-'));
            prop_assert!(!n.as_str().contains('/'));
            prop_assert!(n.as_str() != "." && n.as_str() != "..");
        }
    }
}
