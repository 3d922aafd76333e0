//! `[code]` and `[[hosts]]`: what is accepted, and what is refused with which key.
// figment::Jail closures must return figment::Error; its size is not ours to change.
#![allow(clippy::result_large_err)]

use figment::Jail;
use workbench_config::Config;

mod support;
use support::{load, refused};

const HOST: &str = "[[hosts]]\nname = \"nas\"\nalias = \"Storage\"\naddress = \"192.168.1.10\"\n";

#[test]
fn code_url_accepts_http_and_https_and_gives_the_origin() {
    Jail::expect_with(|jail| {
        let config = load(
            jail,
            "[code]\nurl = \"https://code.example.com:8443/some/path?folder=/x\"\n",
        )
        .expect("valid");
        assert_eq!(
            config.code.origin().as_deref(),
            Some("https://code.example.com:8443")
        );
        let config = load(jail, "[code]\nurl = \"http://127.0.0.1:8080\"\n").expect("valid");
        assert_eq!(
            config.code.origin().as_deref(),
            Some("http://127.0.0.1:8080")
        );
        let config = load(jail, "[code]\nurl = \"  \"\n").expect("blank is unset");
        assert_eq!(config.code.origin(), None);
        Ok(())
    });
}

#[test]
fn code_url_from_the_environment() {
    Jail::expect_with(|jail| {
        jail.set_env("WORKBENCH_CODE__URL", "https://code.example.com/");
        let config = Config::from_figment(Config::figment(None)).expect("valid");
        assert_eq!(
            config.code.origin().as_deref(),
            Some("https://code.example.com")
        );
        Ok(())
    });
}

#[test]
fn code_url_refuses_other_schemes_and_garbage() {
    Jail::expect_with(|jail| {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "file:///etc/passwd",
            "ftp://code.example.com/",
            "code.example.com",
            "https://",
            "https://user:secret@code.example.com/",
            "not a url",
        ] {
            let text = refused(jail, &format!("[code]\nurl = {bad:?}\n"));
            assert!(text.contains("code.url"), "{bad}: {text}");
            assert!(!text.contains("secret"), "never echoes a password: {text}");
        }
        Ok(())
    });
}

#[test]
fn hosts_parse_with_defaults() {
    Jail::expect_with(|jail| {
        let config = load(
            jail,
            &format!("{HOST}tcp_ports = [22, 2376]\nhealth_urls = [\"http://192.168.1.10:8096/health\"]\nlinks = [{{ name = \"Jellyfin\", url = \"http://192.168.1.10:8096/\" }}]\n[[hosts]]\nname = \"gpu\"\nalias = \"Compute\"\naddress = \"gpu.lan\"\ninterval_secs = 10\n"),
        )
        .expect("valid");
        assert_eq!(config.hosts.len(), 2);
        assert_eq!(config.hosts[0].tcp_ports, [22, 2376]);
        assert_eq!(config.hosts[0].interval_secs, 30);
        assert_eq!(config.hosts[1].interval_secs, 10);
        assert_eq!(config.hosts[1].docker, None);
        Ok(())
    });
}

#[test]
fn hosts_refuse_bad_entries_naming_the_key() {
    Jail::expect_with(|jail| {
        let cases = [
            (format!("{HOST}{HOST}"), "hosts.name"),
            (
                format!("{HOST}[[hosts]]\nname = \"b\"\nalias = \"storage\"\naddress = \"b\"\n"),
                "hosts.alias",
            ),
            (
                "[[hosts]]\nname = \"\"\nalias = \"A\"\naddress = \"a\"\n".into(),
                "hosts.name",
            ),
            (
                "[[hosts]]\nname = \"a\"\nalias = \" \"\naddress = \"a\"\n".into(),
                "hosts.alias",
            ),
            (
                "[[hosts]]\nname = \"a.lan\"\nalias = \"a.lan\"\naddress = \"a\"\n".into(),
                "hosts.alias",
            ),
            (
                "[[hosts]]\nname = \"a\"\nalias = \"A\"\naddress = \"http://a:22\"\n".into(),
                "hosts.address",
            ),
            (
                "[[hosts]]\nname = \"a\"\nalias = \"A\"\naddress = \"a; rm -rf /\"\n".into(),
                "hosts.address",
            ),
            (format!("{HOST}tcp_ports = [0]\n"), "hosts.tcp_ports"),
            (
                format!("{HOST}health_urls = [\"file:///etc/passwd\"]\n"),
                "hosts.health_urls",
            ),
            (
                format!("{HOST}health_urls = [\"nope\"]\n"),
                "hosts.health_urls",
            ),
            (
                format!("{HOST}links = [{{ name = \"x\", url = \"javascript:alert(1)\" }}]\n"),
                "hosts.links",
            ),
            (format!("{HOST}interval_secs = 1\n"), "hosts.interval_secs"),
            (
                format!("{HOST}docker = \"/var/run/docker.sock\"\n"),
                "hosts.docker",
            ),
            (
                format!("{HOST}tcp_ports = [{}]\n", vec!["1"; 40].join(",")),
                "hosts.tcp_ports",
            ),
        ];
        for (contents, key) in cases {
            let text = refused(jail, &contents);
            assert!(
                text.contains(key),
                "expected {key} in {text:?} for {contents}"
            );
        }
        // serde-level problems name the key too.
        let text = refused(jail, &format!("{HOST}tcp_ports = [70000]\n"));
        assert!(text.contains("tcp_ports"), "{text}");
        let text = refused(jail, &format!("{HOST}colour = \"red\"\n"));
        assert!(text.contains("colour"), "{text}");
        Ok(())
    });
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_code_urls_never_panic_and_only_http_survives(url in "\\PC{0,80}") {
            Jail::expect_with(|jail| {
                if let Ok(config) = load(jail, &format!("[code]\nurl = {url:?}\n"))
                    && let Some(origin) = config.code.origin()
                {
                    assert!(origin.starts_with("http://") || origin.starts_with("https://"), "{origin}");
                }
                Ok(())
            });
        }

        #[test]
        fn arbitrary_host_addresses_never_panic(address in "\\PC{0,80}") {
            Jail::expect_with(|jail| {
                let _ = load(jail, &format!("[[hosts]]\nname = \"a\"\nalias = \"A\"\naddress = {address:?}\n"));
                Ok(())
            });
        }
    }
}
