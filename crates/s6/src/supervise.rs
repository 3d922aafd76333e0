//! The binary `supervise/status` file that `s6-supervise` writes and `s6-svstat` reads, parsed
//! here so that one `od` call can stand for one `s6-svstat` per service. The bytes come from
//! a container: anything that is not exactly one of the two known layouts is an error.
//!
//! Layouts (big-endian; a TAI64N stamp is 8 bytes of TAI64 label then 4 bytes of nanoseconds):
//!
//! | s6 | size | stamp | readystamp | pid | pgid | wstat | flags |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | 2.2 – 2.12 (s6-overlay v2, Debian 12's 2.11, s6-overlay v3.1) | 35 | 0..12 | 12..24 | 24..32 | – | 32..34 | 34 |
//! | 2.13+ (s6-overlay v3.2) | 43 | 0..12 | 12..24 | 24..32 | 32..40 | 40..42 | 42 |
//!
//! Flags: bit 0 paused, bit 1 finishing, bit 2 want up, bit 3 ready. (s6 before 2.2, 2015,
//! had a `want` bit in between; it is too old to meet and would read as garbage flags.)
//! `s6-svstat` answers from the same bytes: up = `pid != 0 && !finishing`, exit code and signal
//! from the wait status only when not up, ready = `pid != 0 && ready`.

use std::time::Duration;

use crate::status::{Status, signal_name};

/// The TAI64 label of the Unix epoch plus TAI−UTC (10 s at 1970, 37 s since 2017): what
/// skalibs writes for "now" on a system clock in UTC, its default build.
const TAI64_UNIX_OFFSET: u64 = (1 << 62) + 37;
const NANOS: u128 = 1_000_000_000;
pub const SIZE_V211: usize = 35;
pub const SIZE_V213: usize = 43;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuperviseStatus {
    /// TAI64N stamps (label, nanoseconds) of the last up/down change and readiness change.
    pub stamp: (u64, u32),
    pub ready_stamp: (u64, u32),
    pub pid: u64,
    pub pgid: Option<u64>,
    pub wstat: u16,
    pub paused: bool,
    pub finishing: bool,
    pub want_up: bool,
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusFileError {
    #[error("status file of {0} bytes: not an s6 2.2–2.14 layout (35 or 43)")]
    Size(usize),
    #[error("status file stamp is not a TAI64 label")]
    Stamp,
    #[error("status file flags {0:#04x} have unknown bits")]
    Flags(u8),
    #[error("status file pid {0} is out of range")]
    Pid(u64),
    #[error("status dump is not hex bytes")]
    Hex,
    #[error("status dump of {bytes} bytes does not split into {files} files")]
    Split { bytes: usize, files: usize },
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b))
}

impl SuperviseStatus {
    pub fn parse(bytes: &[u8]) -> Result<SuperviseStatus, StatusFileError> {
        let (pgid, wstat_at) = match bytes.len() {
            SIZE_V211 => (None, 32),
            SIZE_V213 => (Some(be(&bytes[32..40])), 40),
            n => return Err(StatusFileError::Size(n)),
        };
        let stamp = (be(&bytes[0..8]), be(&bytes[8..12]) as u32);
        let ready_stamp = (be(&bytes[12..20]), be(&bytes[20..24]) as u32);
        // A TAI64 label has its top bit clear; s6 never writes one before 1970 (2^62).
        for (s, ns) in [stamp, ready_stamp] {
            if s >> 63 != 0 || (s != 0 && s < 1 << 62) || ns >= 1_000_000_000 {
                return Err(StatusFileError::Stamp);
            }
        }
        let pid = be(&bytes[24..32]);
        // Linux pids stop at 2^22; s6 stores pid_t (signed 32 bits) widened.
        if pid > i32::MAX as u64 {
            return Err(StatusFileError::Pid(pid));
        }
        let flags = bytes[wstat_at + 2];
        if flags & !0x0f != 0 {
            return Err(StatusFileError::Flags(flags));
        }
        Ok(SuperviseStatus {
            stamp,
            ready_stamp,
            pid,
            pgid,
            wstat: be(&bytes[wstat_at..wstat_at + 2]) as u16,
            paused: flags & 1 != 0,
            finishing: flags & 2 != 0,
            want_up: flags & 4 != 0,
            ready: flags & 8 != 0,
        })
    }

    /// What `s6-svstat -o` would print at `now` (since the Unix epoch), with `normally_up`
    /// from the service dir (no `./down` file).
    pub fn to_status(&self, normally_up: bool, now: Duration) -> Status {
        let up = self.pid != 0 && !self.finishing;
        let now_ns = (u128::from(now.as_secs()) + u128::from(TAI64_UNIX_OFFSET)) * NANOS
            + u128::from(now.subsec_nanos());
        // Whole seconds, as s6-svstat prints them; a stamp in the future counts as now.
        let age = |(s, ns): (u64, u32)| {
            let then = u128::from(s) * NANOS + u128::from(ns);
            (now_ns.saturating_sub(then) / NANOS) as u64
        };
        let low = self.wstat & 0x7f;
        let exited = low == 0;
        let signalled = low != 0 && low != 0x7f;
        Status {
            up,
            wanted_up: self.want_up,
            normally_up,
            ready: self.pid != 0 && self.ready,
            paused: self.paused,
            pid: up.then_some(self.pid as u32),
            exit_code: (!up && exited).then_some(i32::from((self.wstat >> 8) & 0xff)),
            signal: (!up && signalled).then(|| signal_name(i32::from(low))),
            since_secs: Some(age(self.stamp)),
            ready_secs: Some(age(self.ready_stamp)),
        }
    }
}

/// The bytes of `od -An -v -tx1` output: whitespace-separated two-digit hex bytes.
pub fn parse_od(text: &str, max: usize) -> Result<Vec<u8>, StatusFileError> {
    let mut out = Vec::new();
    for word in text.split_ascii_whitespace() {
        if word.len() != 2 || out.len() >= max {
            return Err(StatusFileError::Hex);
        }
        out.push(u8::from_str_radix(word, 16).map_err(|_| StatusFileError::Hex)?);
    }
    Ok(out)
}

/// Splits the concatenated status files of `files` services (one s6, so one size).
pub fn split_files(bytes: &[u8], files: usize) -> Result<Vec<&[u8]>, StatusFileError> {
    let bad = || StatusFileError::Split {
        bytes: bytes.len(),
        files,
    };
    if files == 0 || !bytes.len().is_multiple_of(files) {
        return Err(bad());
    }
    let size = bytes.len() / files;
    if size != SIZE_V211 && size != SIZE_V213 {
        return Err(bad());
    }
    Ok(bytes.chunks(size).collect())
}
