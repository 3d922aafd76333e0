//! Finding a container's s6 scan dir, its binaries and its services, and reading every
//! service's status, in one exec: a fixed script (never built from input) that takes the
//! caller's values as positional arguments, and a parser for what it prints.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::control::{ControlKind, ServiceName};
use crate::status::{FIELDS, ParseError, Status};
use crate::supervise::{SIZE_V213, StatusFileError, SuperviseStatus, parse_od, split_files};

/// The script run by `/bin/sh -c SCRIPT sh SCANDIR_OR_EMPTY FIELDS [MODE]`. Its text is
/// constant; the scan dir from a label arrives as `$1` and is only ever quoted.
///
/// With a MODE it reports once and exits (a one-shot exec). Without, it is a status session:
/// each line `MODE TOKEN` read from stdin gets one report ending in `end TOKEN`; MODE is
/// compared against constants and TOKEN is only echoed, so nothing read is ever run.
/// MODE `fast` reads every readable `supervise/status` file with one `od` (the Rust side parses
/// them) and asks `s6-svstat` only for the others (unreadable: its error is the answer);
/// `svstat` asks `s6-svstat -o` for every service.
pub const SCRIPT: &str = r#"label=$1 fields=$2
report() {
  m=$1 scan=$label bin=
  for b in /command /package/admin/s6/command /usr/bin /bin /usr/local/bin; do
    if [ -x "$b/s6-svstat" ]; then bin=$b; break; fi
  done
  if [ -z "$bin" ]; then echo nobin; return; fi
  if [ -z "$scan" ]; then
    for d in /run/service /var/run/s6/services /service /etc/service; do
      if [ -d "$d/.s6-svscan" ]; then scan=$d; break; fi
    done
  fi
  if [ -z "$scan" ] || [ ! -d "$scan" ]; then echo noscan; return; fi
  printf 'scan\t%s\t%s\n' "$scan" "$bin"
  set --
  for d in "$scan"/*; do
    [ -d "$d" ] || continue
    l=$d
    if [ -L "$d" ]; then l=$(readlink "$d" 2>/dev/null) || l=$d; fi
    if [ "$m" = fast ] && [ -r "$d/supervise/status" ]; then
      n=1
      if [ -e "$d/down" ]; then n=0; fi
      printf 'svf\t%s\t%s\t%s\n' "${d##*/}" "$l" "$n"
      set -- "$@" "$d/supervise/status"
    else
      o=$("$bin/s6-svstat" -o "$fields" "$d" 2>&1)
      rc=$?
      printf 'svc\t%s\t%s\t%s\t%s\n' "${d##*/}" "$rc" "$l" "$o"
    fi
  done
  if [ $# -gt 0 ]; then echo hex; od -An -v -tx1 "$@" 2>/dev/null; fi
}
if [ -n "$3" ]; then report "$3"; echo end; exit 0; fi
while read -r mode token; do
  report "$mode"
  printf 'end\t%s\n' "$token"
done
"#;

/// How a report reads the statuses: see [`SCRIPT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Fast,
    Svstat,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Fast => "fast",
            Mode::Svstat => "svstat",
        }
    }
}

/// The argv of a one-shot status exec; `scan_dir` comes from a label and is passed, not spliced.
pub fn status_argv(scan_dir: Option<&str>, mode: Mode) -> Vec<String> {
    let mut argv = session_argv(scan_dir);
    argv.push(mode.as_str().into());
    argv
}

/// The argv of a status session (reads `MODE TOKEN` lines on stdin).
pub fn session_argv(scan_dir: Option<&str>) -> Vec<String> {
    vec![
        "/bin/sh".into(),
        "-c".into(),
        SCRIPT.into(),
        "sh".into(),
        scan_dir.unwrap_or("").into(),
        FIELDS.into(),
    ]
}

/// The line that asks a session for one report; its answer ends with [`end_line`].
pub fn request_line(mode: Mode, token: u64) -> String {
    format!("{} {token:016x}\n", mode.as_str())
}

pub fn end_line(token: u64) -> String {
    format!("end\t{token:016x}\n")
}

/// A one-shot report without its final `end` line; `None` when the output was cut short.
pub fn once_report(output: &str) -> Option<&str> {
    output
        .strip_suffix("end\n")
        .filter(|r| r.is_empty() || r.ends_with('\n'))
}

/// Where s6-rc keeps the live service dirs it manages (s6-overlay v3): the scan dir's links
/// point into `/run/s6-rc/servicedirs/`, and `/run/s6-rc` itself links to `/run/s6-rc:…`.
const S6RC_SERVICEDIRS: &str = "/run/s6-rc/servicedirs/";
const S6RC_LIVE_PREFIX: &str = "/run/s6-rc:";
/// Services that belong to s6-overlay itself: never shown, never controlled.
const INTERNAL_PREFIXES: [&str; 3] = ["s6rc-", "s6-linux-init-", "s6-fdholderd"];
/// Output larger than this is not our script talking.
pub const MAX_OUTPUT: usize = 256 * 1024;
const MAX_SERVICES: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub scan_dir: String,
    /// Where `s6-svc`, `s6-svstat` (and `s6-rc` next to them) are.
    pub bin_dir: String,
    pub services: Vec<DiscoveredService>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredService {
    pub name: ServiceName,
    pub kind: ControlKind,
    /// The status, or why s6 could not give one (e.g. `s6-supervise not running`).
    pub status: Result<Status, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("no s6 binaries (s6-svstat) in the container")]
    NoBinaries,
    #[error("no running s6 scan dir in the container")]
    NoScanDir,
    #[error("unexpected output from the status script: {0}")]
    Garbled(String),
    /// The status files were not in a layout this parser knows (or `od` is missing): ask
    /// again in [`Mode::Svstat`].
    #[error("status files unreadable here: {0}")]
    StatusFiles(#[from] StatusFileError),
}

impl Discovery {
    /// Parses a report of [`SCRIPT`] (up to, not including, its `end` line). `now_unix` turns
    /// the status files' stamps into ages, as `s6-svstat` does with its own clock.
    pub fn parse(output: &str, now_unix: Duration) -> Result<Discovery, ScanError> {
        if output.len() > MAX_OUTPUT {
            return Err(ScanError::Garbled("output too large".into()));
        }
        let (text, hex) = match output.split_once("\nhex\n") {
            Some((text, hex)) => (text, Some(hex)),
            None => (output, None),
        };
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("");
        match first {
            "nobin" => return Err(ScanError::NoBinaries),
            "noscan" => return Err(ScanError::NoScanDir),
            _ => {}
        }
        let head: Vec<&str> = first.split('\t').collect();
        let (scan_dir, bin_dir) = match head.as_slice() {
            ["scan", scan, bin] if is_abs_path(scan) && is_abs_path(bin) => {
                (scan.to_string(), bin.to_string())
            }
            _ => return Err(ScanError::Garbled(first.chars().take(80).collect())),
        };
        let mut services = Vec::new();
        // Services whose status is in the hex dump, in dump order, with "normally up".
        let mut from_files: Vec<(usize, bool)> = Vec::new();
        let mut seen = 0;
        for line in lines {
            let cols: Vec<&str> = line.splitn(5, '\t').collect();
            let (name, link, status) = match cols.as_slice() {
                ["svc", name, rc, link, out] => {
                    let status = if *rc == "0" {
                        Status::parse_fields(out).map_err(|e: ParseError| e.to_string())
                    } else {
                        Err(s6_error(out))
                    };
                    (*name, *link, Some(status))
                }
                ["svf", name, link, normally @ ("0" | "1")] => {
                    from_files.push((seen, *normally == "1"));
                    (*name, *link, None)
                }
                _ => continue,
            };
            seen += 1;
            if seen > MAX_SERVICES {
                return Err(ScanError::Garbled("too many services".into()));
            }
            // Keeps the dump's order even for names dropped below.
            let name = ServiceName::new(name)
                .ok()
                .filter(|n| !INTERNAL_PREFIXES.iter().any(|p| n.as_str().starts_with(p)));
            services.push((name, kind_of(link), status));
        }
        if !from_files.is_empty() {
            let bytes = parse_od(hex.unwrap_or(""), from_files.len() * SIZE_V213)?;
            let files = split_files(&bytes, from_files.len())?;
            for ((index, normally_up), file) in from_files.into_iter().zip(files) {
                let parsed = SuperviseStatus::parse(file)?;
                services[index].2 = Some(Ok(parsed.to_status(normally_up, now_unix)));
            }
        } else if hex.is_some_and(|h| !h.trim().is_empty()) {
            return Err(ScanError::Garbled("status dump without services".into()));
        }
        let mut services: Vec<DiscoveredService> = services
            .into_iter()
            .filter_map(|(name, kind, status)| {
                Some(DiscoveredService {
                    name: name?,
                    kind,
                    status: status?,
                })
            })
            .collect();
        services.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Discovery {
            scan_dir,
            bin_dir,
            services,
        })
    }

    pub fn service(&self, name: &str) -> Option<&DiscoveredService> {
        self.services.iter().find(|s| s.name.as_str() == name)
    }
}

/// s6's message without its `prog: fatal: : ` prefix: `s6-supervise not running`.
pub fn s6_error(out: &str) -> String {
    let msg = out.trim();
    let msg = msg.rsplit(": ").next().unwrap_or(msg);
    msg.chars().take(200).collect()
}

/// s6-rc's services live under its servicedirs (through the `/run/s6-rc` link or resolved).
fn kind_of(link: &str) -> ControlKind {
    let rc = link.starts_with(S6RC_SERVICEDIRS)
        || (link.starts_with(S6RC_LIVE_PREFIX) && link.contains("/servicedirs/"));
    if rc {
        ControlKind::S6Rc
    } else {
        ControlKind::Svc
    }
}

fn is_abs_path(p: &str) -> bool {
    p.starts_with('/') && p.len() < 512 && !p.split('/').any(|s| s == "..") && !p.contains('\n')
}
