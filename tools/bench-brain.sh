#!/usr/bin/env bash
# Brain benchmarks, in one run:
#  1. the index (crates/brain/examples/bench.rs): size on disk at 46,429 chunks x 768 dims
#     (f32 and f16), hybrid query latency at 50,000 x 768, indexing overhead per chunk;
#  2. a token's trip from the model server to the page: a fake Ollama (release build) stamps
#     each token with the time it writes it; the release server relays it; chromium records
#     when it appears in the answer. Baseline in the same run: the same stream read straight
#     from the fake by Node (no Workbench, no browser).
# Needs: a built release (make build).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
BIN="$ROOT/target/release/workbench"
[ -x "$BIN" ] || die "no release build: run make build"

if [ "${SKIP_INDEX:-}" != 1 ]; then
  say "index: size, query latency, overhead"
  cargo run --quiet --release -p workbench-brain --example bench
fi

say "token latency: model server -> page"
cargo build --quiet --release -p workbench-llm --features testing --example fake-ollama
FAKE_PORT=${FAKE_PORT:-3291}
PORT=${WORKBENCH_BENCH_PORT:-3290}
TOKENS=${TOKENS:-150}
answer=$(for _ in $(seq 1 "$TOKENS"); do printf 't{{now_us}} '; done)
data=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT
target/release/examples/fake-ollama --addr "127.0.0.1:$FAKE_PORT" --token-delay-ms 20 --answer "$answer" >/dev/null &
pids+=($!)
WORKBENCH_SERVER__ADDR=127.0.0.1:$PORT WORKBENCH_SERVER__DATA_DIR=$data \
  WORKBENCH_BRAIN__OLLAMA_URL=http://127.0.0.1:$FAKE_PORT RUST_LOG=warn "$BIN" serve &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
node tools/bench-brain-latency.mjs "http://127.0.0.1:$PORT" "http://127.0.0.1:$FAKE_PORT" "${ROUNDS:-5}"
