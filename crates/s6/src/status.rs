//! What `s6-svstat` says about one service: the field form (`-o`, stable across versions) and
//! the human form of s6 2.9–2.14, both parsed into one [`Status`]. Input is untrusted bytes
//! from a container: every malformed line is an error, never a panic.

use serde::{Deserialize, Serialize};

/// The fields asked of `s6-svstat -o`, in this order; `pgid` is left out because it only
/// exists from s6 2.13 and an unknown field makes older versions fail.
pub const FIELDS: &str = "up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince,updownfor,readyfor";
const FIELD_COUNT: usize = 13;
/// s6 prints one short line; anything longer is not s6 talking.
const MAX_LINE: usize = 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub up: bool,
    /// What s6-supervise is trying to do: keep it up (`-u`) or down (`-d`).
    pub wanted_up: bool,
    /// Whether it starts with the supervisor (no `./down` file).
    pub normally_up: bool,
    /// Up and has notified readiness.
    pub ready: bool,
    /// Stopped with SIGSTOP (`s6-svc -p`).
    pub paused: bool,
    pub pid: Option<u32>,
    /// Only when down: how the last run ended.
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
    /// Seconds since it went up or down; `None` when it was never started.
    pub since_secs: Option<u64>,
    pub ready_secs: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty status line")]
    Empty,
    #[error("status line longer than {MAX_LINE} bytes")]
    TooLong,
    #[error("expected {FIELD_COUNT} fields, found {0}")]
    FieldCount(usize),
    #[error("field {field}: unexpected value {value:?}")]
    Field { field: &'static str, value: String },
    #[error("not an s6-svstat status line: {0}")]
    Unrecognised(String),
}

fn excerpt(s: &str) -> String {
    s.chars().take(80).collect()
}

impl Status {
    /// Parses either form: the field form when the line starts with `true`/`false`.
    pub fn parse(line: &str) -> Result<Status, ParseError> {
        let line = line.trim();
        if line.starts_with("true ") || line.starts_with("false ") {
            Self::parse_fields(line)
        } else {
            Self::parse_human(line)
        }
    }

    /// `s6-svstat -o` + [`FIELDS`]: `true true true false false 9 -1 NA -1 @4000… @4000… 3 3`.
    pub fn parse_fields(line: &str) -> Result<Status, ParseError> {
        let line = check_len(line)?;
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() != FIELD_COUNT {
            return Err(ParseError::FieldCount(f.len()));
        }
        let up = boolean("up", f[0])?;
        let signum = opt_num::<i32>("signum", f[8])?;
        let signal = match f[7] {
            "NA" => signum.filter(|n| *n > 0).map(signal_name),
            s if s.starts_with("SIG")
                && s.len() <= 12
                && s[3..].bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Some(s.to_string())
            }
            other => return Err(field_err("signal", other)),
        };
        tai64n("updownsince", f[9])?;
        tai64n("readysince", f[10])?;
        Ok(Status {
            up,
            wanted_up: boolean("wantedup", f[1])?,
            normally_up: boolean("normallyup", f[2])?,
            ready: boolean("ready", f[3])?,
            paused: boolean("paused", f[4])?,
            pid: opt_num::<u32>("pid", f[5])?,
            exit_code: opt_num::<i32>("exitcode", f[6])?,
            signal,
            since_secs: Some(num("updownfor", f[11])?),
            ready_secs: Some(num("readyfor", f[12])?),
        })
    }

    /// The human form, all versions:
    /// `up (pid P) N seconds`, `up (pid P pgid G) N seconds`, `down (exitcode E) N seconds`,
    /// `down (signal SIGTERM) N seconds`, `down (signal 15) N seconds`, `down (not started yet)`,
    /// `down N seconds` (before 2.9), each with optional `, normally up|down`, `, paused`,
    /// `, want up|down`, `, ready N seconds`.
    pub fn parse_human(line: &str) -> Result<Status, ParseError> {
        let line = check_len(line)?;
        let bad = || ParseError::Unrecognised(excerpt(line));
        let mut parts = line.split(", ");
        let head = parts.next().ok_or_else(bad)?;
        let (word, rest) = head.split_once(' ').unwrap_or((head, ""));
        let up = match word {
            "up" => true,
            "down" => false,
            _ => return Err(bad()),
        };
        let mut st = Status {
            up,
            wanted_up: up,
            normally_up: up,
            ..Status::default()
        };
        let mut rest = rest;
        if let Some(after) = rest.strip_prefix('(') {
            let (inside, tail) = after.split_once(')').ok_or_else(bad)?;
            rest = tail.trim_start();
            let words: Vec<&str> = inside.split(' ').collect();
            match (up, words.as_slice()) {
                (true, ["pid", p]) | (true, ["pid", p, "pgid", _]) => {
                    st.pid = Some(p.parse().map_err(|_| bad())?);
                    if let ["pid", _, "pgid", g] = words.as_slice() {
                        g.parse::<u32>().map_err(|_| bad())?;
                    }
                }
                (false, ["exitcode", e]) => st.exit_code = Some(e.parse().map_err(|_| bad())?),
                (false, ["signal", s]) => st.signal = Some(parse_signal(s).ok_or_else(bad)?),
                (false, ["not", "started", "yet"]) => {}
                _ => return Err(bad()),
            }
        } else if up {
            // `up` always names its pid.
            return Err(bad());
        }
        st.since_secs = if rest.is_empty() {
            if up || st.exit_code.is_some() || st.signal.is_some() {
                return Err(bad());
            }
            None
        } else {
            Some(seconds(rest).ok_or_else(bad)?)
        };
        for part in parts {
            match part {
                "normally up" if !up => st.normally_up = true,
                "normally down" if up => st.normally_up = false,
                "want up" if !up => st.wanted_up = true,
                "want down" if up => st.wanted_up = false,
                "paused" if up => st.paused = true,
                _ => match part.strip_prefix("ready ") {
                    Some(secs) => {
                        let secs = seconds(secs).ok_or_else(bad)?;
                        // Down and "ready" means the finish script is done, not readiness.
                        st.ready = up;
                        st.ready_secs = Some(secs);
                    }
                    None => return Err(bad()),
                },
            }
        }
        Ok(st)
    }
}

fn check_len(line: &str) -> Result<&str, ParseError> {
    if line.len() > MAX_LINE {
        return Err(ParseError::TooLong);
    }
    let line = line.trim();
    if line.is_empty() {
        Err(ParseError::Empty)
    } else {
        Ok(line)
    }
}

fn field_err(field: &'static str, value: &str) -> ParseError {
    ParseError::Field {
        field,
        value: excerpt(value),
    }
}

fn boolean(field: &'static str, v: &str) -> Result<bool, ParseError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(field_err(field, v)),
    }
}

fn num<T: std::str::FromStr>(field: &'static str, v: &str) -> Result<T, ParseError> {
    v.parse().map_err(|_| field_err(field, v))
}

/// `-1` is s6's "none".
fn opt_num<T: std::str::FromStr>(field: &'static str, v: &str) -> Result<Option<T>, ParseError> {
    if v == "-1" {
        Ok(None)
    } else {
        num(field, v).map(Some)
    }
}

fn tai64n(field: &'static str, v: &str) -> Result<(), ParseError> {
    let hex = v.strip_prefix('@').unwrap_or("");
    if hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(field_err(field, v))
    }
}

/// `N seconds` (s6 writes `seconds` even for 1).
fn seconds(s: &str) -> Option<u64> {
    let n = s.strip_suffix(" seconds")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

fn parse_signal(s: &str) -> Option<String> {
    if let Some(name) = s.strip_prefix("SIG") {
        return (!name.is_empty()
            && name.len() <= 10
            && name.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| s.to_string());
    }
    s.parse::<i32>()
        .ok()
        .filter(|n| (1..=128).contains(n))
        .map(signal_name)
}

/// Linux numbers for the signals a service dies of; others keep their number.
pub(crate) fn signal_name(n: i32) -> String {
    let name = match n {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return format!("signal {n}"),
    };
    name.to_string()
}
