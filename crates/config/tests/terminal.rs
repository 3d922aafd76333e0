//! `[terminal]` and its profiles: defaults, overrides and refusals that name the key.
// figment's Jail closures return its large error type; that is its API, not ours.
#![allow(clippy::result_large_err)]

use figment::Jail;
use workbench_config::{Config, TerminalBackend, TerminalCompression};

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

#[test]
fn theme_preset_and_overrides_reach_xterm_names() {
    let dark = Config::default().terminal.xterm_theme();
    assert_eq!(dark["background"], "#1e1e1e");
    assert_eq!(dark["brightBlack"], "#555753");
    Jail::expect_with(|jail| {
        jail.set_env("WORKBENCH_TERMINAL__COLORS__BRIGHT_BLACK", "#777");
        let config = load(
            jail,
            "[terminal]\ntheme = \"light\"\n[terminal.colors]\nbackground = \"#000000\"\n\
             selection_background = \"rgba(0, 0, 255, 0.5)\"\ncursor = \" rgb(1,2,3) \"\n",
        )
        .expect("valid");
        let theme = config.terminal.xterm_theme();
        assert_eq!(theme["background"], "#000000");
        assert_eq!(theme["foreground"], "#2e3436", "light preset kept");
        assert_eq!(theme["selectionBackground"], "rgba(0, 0, 255, 0.5)");
        assert_eq!(theme["cursor"], "rgb(1,2,3)", "trimmed");
        assert_eq!(theme["brightBlack"], "#777", "from the environment");
        Ok(())
    });
}

#[test]
fn hostile_or_unknown_theme_values_are_refused_with_the_key() {
    Jail::expect_with(|jail| {
        let hostile = [
            "red;}",
            "red",
            "#fff;}body{display:none",
            "#ffff",
            "#12345g",
            "url(https://evil.example/x)",
            "expression(alert(1))",
            "rgb(1,2,3);x",
            "rgb(1,2)",
            "rgb(256,0,0)",
            "rgba(1,2,3)",
            "rgba(1,2,3,2)",
            "rgba(1,2,3,NaN)",
            "rgb(1,2,3) !important",
            "var(--x)",
            "",
            "#\u{0}00",
        ];
        for value in hostile {
            let text = refused(
                jail,
                &format!("[terminal.colors]\nbackground = {}\n", toml_string(value)),
            );
            assert!(
                text.contains("terminal.colors") && text.contains("background"),
                "{value:?} → {text}"
            );
        }
        let text = refused(jail, "[terminal.colors]\nbackgroud = \"#000\"\n");
        assert!(
            text.contains("terminal.colors") && text.contains("backgroud"),
            "{text}"
        );
        let text = refused(jail, "[terminal.colors]\nselectionBackground = \"#000\"\n");
        assert!(text.contains("selectionBackground"), "{text}");
        let text = refused(jail, "[terminal]\ntheme = \"solarized\"\n");
        assert!(
            text.contains("terminal.theme") && text.contains("solarized"),
            "{text}"
        );
        let long = "x".repeat(10_000);
        let text = refused(jail, &format!("[terminal.colors]\n{long} = \"#000\"\n"));
        assert!(text.len() < 2_000, "the message stays short");
        Ok(())
    });
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn every_colour_key_is_documented_in_the_example() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workbench.example.toml");
    let text = std::fs::read_to_string(example).expect("read workbench.example.toml");
    for (key, _) in workbench_config::terminal_theme::COLOR_KEYS {
        assert!(
            text.contains(&format!("\n# {key} = ")),
            "workbench.example.toml lacks terminal.colors.{key}"
        );
    }
    for preset in workbench_config::terminal_theme::PRESETS {
        assert!(text.contains(&format!("\"{preset}\"")), "{preset}");
    }
}

mod theme_props {
    use proptest::prelude::*;
    use workbench_config::terminal_theme::is_color;

    proptest! {
        #[test]
        fn accepted_colours_hold_no_css_punctuation(s in ".{0,40}") {
            if is_color(&s) {
                let punctuation = [';', '}', '{', '"', '\'', '\\', ':', '!', '/'];
                prop_assert!(!s.contains(punctuation), "{:?}", s);
            }
        }

        #[test]
        fn hex_colours_pass(r in any::<u8>(), g in any::<u8>(), b in any::<u8>()) {
            let hex = format!("#{r:02x}{g:02x}{b:02x}");
            let rgb = format!("rgb({r}, {g}, {b})");
            prop_assert!(is_color(&hex));
            prop_assert!(is_color(&rgb));
        }
    }
}

#[test]
fn compression_is_deflate_unless_turned_off() {
    assert_eq!(
        Config::default().terminal.compression,
        TerminalCompression::Deflate
    );
    Jail::expect_with(|jail| {
        let config = load(jail, "[terminal]\ncompression = \"off\"\n").expect("valid");
        assert_eq!(config.terminal.compression, TerminalCompression::Off);
        jail.set_env("WORKBENCH_TERMINAL__COMPRESSION", "deflate");
        let config = load(jail, "[terminal]\ncompression = \"off\"\n").expect("valid");
        assert_eq!(
            config.terminal.compression,
            TerminalCompression::Deflate,
            "the environment wins"
        );
        Ok(())
    });
    Jail::expect_with(|jail| {
        for bad in [
            "\"gzip\"",
            "\"Deflate\"",
            "\"\"",
            "\"deflate; level=9\"",
            "1",
            "true",
            "[\"deflate\"]",
            "{ level = 9 }",
        ] {
            let text = refused(jail, &format!("[terminal]\ncompression = {bad}\n"));
            assert!(text.contains("terminal.compression"), "{bad} → {text}");
        }
        jail.set_env("WORKBENCH_TERMINAL__COMPRESSION", "brotli");
        let text = refused(jail, "");
        assert!(text.contains("terminal.compression"), "{text}");
        Ok(())
    });
}
