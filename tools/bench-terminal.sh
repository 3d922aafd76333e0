#!/usr/bin/env bash
# Terminal benchmarks (docs/terminal.md): WebSocket throughput vs a bare PTY, keystroke
# echo p50/p99, memory under a slow reader, 100 concurrent sessions. BENCH_MB sets the size
# of the throughput run (default 50 MB of zeros through base64).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo run --quiet --release -p workbench-terminal --example bench
