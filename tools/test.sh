#!/usr/bin/env bash
# Every check `make test` runs, in order, each timed: formatting, clippy on both the server
# (ssr) and browser (hydrate) builds, every crate's tests, then Playwright against the
# release build.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

docker_pid=$("$ROOT/tools/dockerd.sh" start)
trap '"$ROOT/tools/dockerd.sh" stop "$docker_pid"' EXIT

timed "cargo fmt" cargo fmt --all --check
timed "clippy (ssr)" cargo clippy --workspace --exclude frontend --all-targets --features app/ssr -- -D warnings
timed "clippy (hydrate)" cargo clippy -p frontend -p ttyd-protocol --target "$WASM_TARGET" -- -D warnings
timed "cargo test" cargo test --workspace --exclude frontend --exclude server --features app/ssr
# One test at a time: concurrent in-process renders in one test binary (each test on its own
# runtime) sometimes never finished; the real server under concurrent load does not (BENCHMARKS).
timed "cargo test (server)" cargo test -p server -- --test-threads=1
timed "release build" make --no-print-directory build
timed "playwright" npx playwright test --config end2end/playwright.config.ts
