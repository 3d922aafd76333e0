#!/usr/bin/env bash
# Host-check benchmark: one refresh cycle of 50 hosts (half unreachable) against baselines,
# then the release server's load with 0 and with 100 open Homelab pages. Needs the release
# build (`make build`); prints Markdown tables for docs/homelab.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[[ -x target/release/workbench ]] || { echo "run \`make build\` first" >&2; exit 1; }
cargo run --quiet --release -p server --example bench_hosts -- "$ROOT/target/release/workbench" "$ROOT/target/site"
