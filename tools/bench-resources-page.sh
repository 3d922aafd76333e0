#!/usr/bin/env bash
# Resources entry page served by the app against the same bytes served as a static file by
# the same server (the ceiling), in one run. Usage: tools/bench-resources-page.sh [seconds]
# (after `make build`). Goal (issue 5): the page reaches >= 0.5 of the static file's req/s.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
apt_ensure wrk curl
DURATION=${1:-10}
PORT=${WORKBENCH_BENCH_PORT:-3195}
ENTRY=${ENTRY:-/resources/cheatsheets/docker-cli}
SITE=target/site
STATIC=bench-static-entry.html
[ -x target/release/workbench ] || die "build first: make build"
data=$(mktemp -d)
WORKBENCH_SERVER__ADDR=127.0.0.1:$PORT WORKBENCH_SERVER__DATA_DIR=$data WORKBENCH_CONTENT__WATCH=false \
  RUST_LOG=warn target/release/workbench serve >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data" "$SITE/$STATIC"' EXIT
for _ in $(seq 1 500); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.02; done
curl -fsS "http://127.0.0.1:$PORT$ENTRY" -o "$SITE/$STATIC" || die "could not fetch $ENTRY"
echo "page: $ENTRY ($(stat -c %s "$SITE/$STATIC") bytes); wrk -t2 -c16 -d${DURATION}s"
echo "| served as | req/s | p50 | p99 |"
echo "| --- | --- | --- | --- |"
declare -A rps
for kind in static page; do
  path=$ENTRY; [ "$kind" = static ] && path=/$STATIC
  out=$(wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
  rps[$kind]=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  echo "| $kind ($path) | ${rps[$kind]} | $(awk '$1=="50%" {print $2}' <<<"$out") | $(awk '$1=="99%" {print $2}' <<<"$out") |"
done
echo
echo "page / static = $(awk -v a="${rps[page]}" -v b="${rps[static]}" 'BEGIN { printf "%.2f", a / b }')"
