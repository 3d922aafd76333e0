#!/usr/bin/env bash
# The foundation's figures (docs/BENCHMARKS.md): bundle sizes, start-up time, and
# server-rendered page latency/throughput with /healthz as the same-run baseline.
# Usage: tools/bench.sh [seconds-per-wrk-run]   (after `make build`)
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
apt_ensure wrk curl gzip
DURATION=${1:-10}
PORT=${WORKBENCH_BENCH_PORT:-3199}
BIN=target/release/workbench
PKG=target/site/pkg
[ -x "$BIN" ] && [ -f "$PKG/workbench.wasm" ] || die "build first: make build"

size_row() { # file → raw and gzip -9 bytes
  printf '| %s | %s | %s |\n' "$1" "$(stat -c %s "$1")" "$(gzip -9c "$1" | wc -c)"
}
echo "## Bundle sizes (bytes)"
echo "| file | raw | gzip -9 |"
echo "| --- | --- | --- |"
for f in "$PKG/workbench.wasm" "$PKG/workbench.js" "$PKG/workbench.css"; do size_row "$f"; done
echo
echo "## First visit per page: main WASM + the chunks its lazy UI needs (bytes)"
"$ROOT/tools/bundle-size.sh" "$PKG"

wait_healthy() {
  for _ in $(seq 1 500); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  return 1
}

echo
echo "## Start-up: exec to first /healthz answer (5 runs, ms)"
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  WORKBENCH_SERVER__ADDR=127.0.0.1:$PORT RUST_LOG=warn "$BIN" serve >/dev/null 2>&1 &
  pid=$!
  wait_healthy || die "server did not start"
  echo "run $i: $(( ($(date +%s%N) - start) / 1000000 )) ms"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

echo
echo "## Warm \`make run\`: command to first /healthz answer (everything already built)"
start=$(date +%s%N)
WORKBENCH_SERVER__ADDR=127.0.0.1:$PORT RUST_LOG=warn setsid make -s run >/tmp/workbench-bench-make.log 2>&1 &
mpid=$!
for _ in $(seq 1 12000); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.01; done
echo "make run: $(( ($(date +%s%N) - start) / 1000000 )) ms"
kill -- -"$mpid" 2>/dev/null || true; wait "$mpid" 2>/dev/null || true

echo
echo "## Server-rendered pages under load: wrk -t2 -c16 -d${DURATION}s (same run, same server)"
WORKBENCH_SERVER__ADDR=127.0.0.1:$PORT RUST_LOG=warn "$BIN" serve >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_healthy || die "server did not start"
echo "| path | req/s | p50 | p99 |"
echo "| --- | --- | --- | --- |"
for path in /healthz /workbench/brain /resources; do
  out=$(wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "| $path | $rps | $p50 | $p99 |"
done
echo
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
