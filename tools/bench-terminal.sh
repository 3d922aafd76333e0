#!/usr/bin/env bash
# Terminal benchmarks (docs/terminal.md, docs/notes/terminal-deflate.md): WebSocket
# throughput vs a bare PTY, uncompressed and with permessage-deflate negotiated, on base64 of
# zeros and of random bytes; keystroke echo p50/p99; memory under a slow reader; 100
# concurrent sessions; deflate alone at levels 1 and 6. BENCH_MB sets the size of the
# throughput streams (default 50 MB before base64), BENCH_RUNS their runs (3), BENCH_ONLY a
# comma list of sections (throughput, echo, yes, sessions, levels).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo run --quiet --release -p workbench-terminal --example bench
