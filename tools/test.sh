#!/usr/bin/env bash
# Every check `make test` runs, in order, each timed: formatting, clippy on both the server
# (ssr) and browser (hydrate) builds, every crate's tests, then Playwright against the
# release build.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

docker_pid=$("$ROOT/tools/dockerd.sh" start)
docker2_pid=
trap '"$ROOT/tools/fixture-image.sh" dockerd2 stop "$docker2_pid"; "$ROOT/tools/dockerd.sh" stop "$docker_pid"' EXIT

# The service panel's fixture: a ruTorrent-like image (built once per recipe) and its
# containers on this engine and on a second one (multi-host tests).
timed "fixture containers" tools/fixture-image.sh up
docker2_pid=$(tools/fixture-image.sh dockerd2 start)
timed "fixture on the second engine" tools/fixture-image.sh up "${WORKBENCH_DOCKER2_SOCK:-/run/workbench-docker2.sock}"

timed "cargo fmt" cargo fmt --all --check
timed "clippy (ssr)" cargo clippy --workspace --exclude frontend --all-targets --features app/ssr -- -D warnings
timed "clippy (hydrate)" cargo clippy -p frontend -p ttyd-protocol --target "$WASM_TARGET" -- -D warnings
timed "cargo test" cargo test --workspace --exclude frontend --exclude server --features app/ssr
# One test at a time: concurrent in-process renders in one test binary (each test on its own
# runtime) sometimes never finished; the real server under concurrent load does not (BENCHMARKS).
timed "cargo test (server)" cargo test -p server -- --test-threads=1
timed "deploy files" tools/test-deploy.sh
timed "release build" make --no-print-directory build
timed "content check" "$ROOT/target/release/workbench" content check
# The fake Ollama the Brain specs talk to (Ollama itself cannot run here).
timed "fake model server" cargo build -p workbench-llm --features testing --example fake-ollama
timed "playwright" npx playwright test --config end2end/playwright.config.ts
