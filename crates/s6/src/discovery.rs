//! Finding a container's s6 scan dir, its binaries and its services, and reading every
//! service's status, in one exec: a fixed script (never built from input) that takes the
//! caller's values as positional arguments, and a parser for what it prints.

use serde::{Deserialize, Serialize};

use crate::control::{ControlKind, ServiceName};
use crate::status::{FIELDS, ParseError, Status};

/// The script run by `/bin/sh -c SCRIPT sh SCANDIR_OR_EMPTY FIELDS`. Its text is constant;
/// the scan dir from a label arrives as `$1` and is only ever quoted.
pub const SCRIPT: &str = r#"scan=$1 fields=$2 bin=
for b in /command /package/admin/s6/command /usr/bin /bin /usr/local/bin; do
  if [ -x "$b/s6-svstat" ]; then bin=$b; break; fi
done
if [ -z "$bin" ]; then echo nobin; exit 0; fi
if [ -z "$scan" ]; then
  for d in /run/service /var/run/s6/services /service /etc/service; do
    if [ -d "$d/.s6-svscan" ]; then scan=$d; break; fi
  done
fi
if [ -z "$scan" ] || [ ! -d "$scan" ]; then echo noscan; exit 0; fi
printf 'scan\t%s\t%s\n' "$scan" "$bin"
for d in "$scan"/*; do
  [ -d "$d" ] || continue
  r=$(readlink -f "$d" 2>/dev/null) || r=$d
  o=$("$bin/s6-svstat" -o "$fields" "$d" 2>&1)
  rc=$?
  printf 'svc\t%s\t%s\t%s\t%s\n' "${d##*/}" "$rc" "$r" "$o"
done
"#;

/// The argv of the one status exec; `scan_dir` comes from a label and is passed, not spliced.
pub fn status_argv(scan_dir: Option<&str>) -> Vec<String> {
    vec![
        "/bin/sh".into(),
        "-c".into(),
        SCRIPT.into(),
        "sh".into(),
        scan_dir.unwrap_or("").into(),
        FIELDS.into(),
    ]
}

/// Where s6-rc keeps the live service dirs it manages (s6-overlay v3).
const S6RC_SERVICEDIRS: &str = "/run/s6-rc/servicedirs/";
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
}

impl Discovery {
    pub fn parse(output: &str) -> Result<Discovery, ScanError> {
        if output.len() > MAX_OUTPUT {
            return Err(ScanError::Garbled("output too large".into()));
        }
        let mut lines = output.lines();
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
        for line in lines {
            let cols: Vec<&str> = line.splitn(5, '\t').collect();
            let ["svc", name, rc, resolved, out] = cols.as_slice() else {
                continue;
            };
            let Ok(name) = ServiceName::new(name) else {
                continue;
            };
            if INTERNAL_PREFIXES
                .iter()
                .any(|p| name.as_str().starts_with(p))
            {
                continue;
            }
            if services.len() >= MAX_SERVICES {
                return Err(ScanError::Garbled("too many services".into()));
            }
            let kind = if resolved.starts_with(S6RC_SERVICEDIRS) {
                ControlKind::S6Rc
            } else {
                ControlKind::Svc
            };
            let status = if *rc == "0" {
                Status::parse_fields(out).map_err(|e: ParseError| e.to_string())
            } else {
                Err(s6_error(out))
            };
            services.push(DiscoveredService { name, kind, status });
        }
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

fn is_abs_path(p: &str) -> bool {
    p.starts_with('/') && p.len() < 512 && !p.split('/').any(|s| s == "..") && !p.contains('\n')
}
