# Shared helpers for the set-up scripts: logging, timing, and the pinned versions.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
. "$ROOT/tools/versions.env"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
TOOLS_CACHE="${WORKBENCH_TOOLS_CACHE:-$HOME/.cache/workbench-tools}"
mkdir -p "$TOOLS_CACHE"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs "$@" and prints how long it took, so set-up times can be read off a log.
timed() {
  local label=$1; shift
  local start=$SECONDS
  "$@"
  local took=$((SECONDS - start))
  [ "$took" -eq 0 ] || say "$label took $took s"
}

# Installs Debian packages that are missing; apt-get update only when something is.
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Fetches a crate's published source from crates.io into $TOOLS_CACHE/src and echoes its directory.
crate_source() {
  local name=$1 version=$2 dir="$TOOLS_CACHE/src/$1-$2"
  if [ ! -f "$dir/Cargo.toml" ]; then
    mkdir -p "$TOOLS_CACHE/src"
    curl -fsSL "https://static.crates.io/crates/$name/$name-$version.crate" | tar -xz -C "$TOOLS_CACHE/src"
  fi
  echo "$dir"
}
