#!/usr/bin/env bash
# Resources benchmarks: library load + index time, health check over 1,000 generated
# files, and search latency p50/p99 over 1,000 entries, each beside a baseline measured
# in the same run. Figures go in docs/resources.md.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo run --quiet --release -p workbench-content --example bench -- content/resources
