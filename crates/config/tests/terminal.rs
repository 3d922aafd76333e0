//! `[terminal]` and its profiles: defaults, overrides and refusals that name the key.
// figment's Jail closures return its large error type; that is its API, not ours.
#![allow(clippy::result_large_err)]

use figment::Jail;
use workbench_config::{Config, TerminalBackend};

mod support;
use support::{load, refused};

#[test]
fn defaults_offer_four_profiles() {
    let t = Config::default().terminal;
    let names: Vec<_> = t.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["shell", "claude", "codex", "opencode"]);
    assert!(
        t.profiles[0].command.is_empty(),
        "the shell profile is the login shell"
    );
    assert_eq!(t.max_clients, 10);
}

#[test]
fn profiles_replace_the_defaults() {
    Jail::expect_with(|jail| {
        jail.set_env("WORKBENCH_TERMINAL__GRACE_SECONDS", "5");
        let config = load(
            jail,
            "[terminal]\nscrollback_bytes = 8192\n[[terminal.profiles]]\nname = \"ro\"\ntitle = \"Logs\"\n\
             command = [\"tail\", \"-f\", \"/var/log/syslog\"]\nread_only = true\nenv = { A = \"b\" }\n\
             [[terminal.profiles]]\nname = \"up\"\ntitle = \"Upstream\"\nbackend = \"ttyd\"\n\
             url = \"http://127.0.0.1:7681/\"\ncredential = \"u:p\"\n",
        )
        .expect("valid");
        let t = &config.terminal;
        assert_eq!(t.grace_seconds, 5);
        assert_eq!(t.profiles.len(), 2);
        assert!(t.profiles[0].read_only);
        assert_eq!(t.profiles[1].backend, TerminalBackend::Ttyd);
        let shown = format!("{:?}", t.profiles[1]);
        assert!(!shown.contains("u:p"), "credential redacted: {shown}");
        Ok(())
    });
}

#[test]
fn bad_profiles_are_refused_with_the_key() {
    Jail::expect_with(|jail| {
        let cases = [
            (
                "[[terminal.profiles]]\nname = \"../x\"\ntitle = \"X\"\n",
                "terminal.profiles.name",
            ),
            (
                "[[terminal.profiles]]\nname = \"Shell\"\ntitle = \"X\"\n",
                "terminal.profiles.name",
            ),
            (
                "[[terminal.profiles]]\nname = \"a\"\ntitle = \"X\"\n[[terminal.profiles]]\nname = \"a\"\ntitle = \"Y\"\n",
                "used by two",
            ),
            (
                "[[terminal.profiles]]\nname = \"a\"\ntitle = \"\"\n",
                "terminal.profiles.title",
            ),
            (
                "[[terminal.profiles]]\nname = \"a\"\ntitle = \"A\"\ncommand = [\"\"]\n",
                "terminal.profiles.command",
            ),
            (
                "[[terminal.profiles]]\nname = \"a\"\ntitle = \"A\"\nbackend = \"ttyd\"\n",
                "terminal.profiles.url",
            ),
            (
                "[[terminal.profiles]]\nname = \"a\"\ntitle = \"A\"\nbackend = \"docker-exec\"\ncontainer = \"x y\"\n",
                "terminal.profiles.container",
            ),
            (
                "[[terminal.profiles]]\nname = \"a\"\ntitle = \"A\"\nbackend = \"telnet\"\n",
                "backend",
            ),
            ("[terminal]\nprofiles = []\n", "terminal.profiles"),
            ("[terminal]\nmax_clients = 0\n", "terminal.max_clients"),
            (
                "[terminal]\nscrollback_bytes = 1\n",
                "terminal.scrollback_bytes",
            ),
            ("[terminal]\nfont_size = 500\n", "terminal.font_size"),
        ];
        for (contents, expected) in cases {
            let text = refused(jail, contents);
            assert!(text.contains(expected), "{contents:?} → {text}");
        }
        Ok(())
    });
}
