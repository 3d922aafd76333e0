#!/usr/bin/env bash
# Service panel benchmarks, against the release server and real containers, in one run:
#  1. status of 10 containers x 3 services in one GET /api/admin/services, against a
#     sequential loop of `docker exec C s6-svstat DIR` through the CLI (30 execs) and against
#     one exec round trip; also the first request after a server start (COLD times), which
#     opens the containers' status sessions (one exec each) unless the server's own warm-up
#     at start-up has already, and the first request 2 s after a start;
#  2. an action to its state read back (POST …/{group}/{down|up}), p50/p99.
# Needs: a built release (make build), a Docker engine, the fixture image.
# It replaces the fixture containers with wbbench-1..10 while it runs and restores them after.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

RUNS=${RUNS:-20}
TOGGLES=${TOGGLES:-20}
PORT=${WORKBENCH_BENCH_PORT:-3199}
BIN="$ROOT/target/release/workbench"
[ -x "$BIN" ] || die "no release build: run make build"

docker_pid=$("$ROOT/tools/dockerd.sh" start)
data=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  tools/fixture-image.sh down >/dev/null 2>&1 || true
  tools/fixture-image.sh up >/dev/null 2>&1 || true
  rm -rf "$data"
  "$ROOT/tools/dockerd.sh" stop "$docker_pid"
}
trap cleanup EXIT

tools/fixture-image.sh down
tools/fixture-image.sh many 10

start_server() {
  WORKBENCH_SERVER__ADDR=127.0.0.1:$PORT WORKBENCH_SERVER__DATA_DIR=$data RUST_LOG=warn "$BIN" serve &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }

ms() { date +%s%N; }
# p50 and p99 (nearest rank) of the numbers on stdin, in ms.
stats() { sort -n | awk '{a[NR]=$1} END {p50=a[int((NR+1)/2)]; i=int(NR*0.99+0.999); if(i<1)i=1; if(i>NR)i=NR; printf "p50 %.1f ms, p99 %.1f ms, min %.1f ms, n=%d\n", p50, a[i], a[1], NR}'; }

api_get() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/admin/services"; }
cold=()
for _ in $(seq 1 "${COLD:-3}"); do
  start_server
  t0=$(ms); api_get; t1=$(ms); cold+=($(( (t1 - t0) / 1000 )))
  stop_server
done
# The server opens the sessions itself at start-up: a user's first request, a moment later,
# finds them open.
settled=()
for _ in $(seq 1 "${COLD:-3}"); do
  start_server
  sleep 2
  t0=$(ms); api_get; t1=$(ms); settled+=($(( (t1 - t0) / 1000 )))
  stop_server
done
start_server
api_get # warm: connects, negotiates the API version and opens the status sessions once
count=$(curl -fsS "http://127.0.0.1:$PORT/api/admin/services" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(len(c["services"]) for h in d["hosts"] for c in h["containers"]), sum(len(h["containers"]) for h in d["hosts"]))')
say "API sees services/containers: $count"

api=() cli=() one=()
for _ in $(seq 1 "$RUNS"); do
  t0=$(ms); api_get; t1=$(ms); api+=($(( (t1 - t0) / 1000 )))
  t0=$(ms)
  for i in $(seq 1 10); do
    for s in svc-nginx svc-php-fpm svc-rtorrent; do
      docker exec "wbbench-$i" s6-svstat "/run/service/$s" >/dev/null
    done
  done
  t1=$(ms); cli+=($(( (t1 - t0) / 1000 )))
  t0=$(ms); docker exec wbbench-1 s6-svstat /run/service/svc-nginx >/dev/null; t1=$(ms); one+=($(( (t1 - t0) / 1000 )))
done
us2ms() { awk '{printf "%.3f\n", $1/1000}'; }
echo "status 10x3, one API request:      $(printf '%s\n' "${api[@]}" | us2ms | stats)"
echo "  the first after a server start:   $(printf '%s\n' "${cold[@]}" | us2ms | stats)"
echo "  the first, 2 s after a start:     $(printf '%s\n' "${settled[@]}" | us2ms | stats)"
echo "status 10x3, sequential CLI loop:  $(printf '%s\n' "${cli[@]}" | us2ms | stats)"
echo "one docker exec s6-svstat (CLI):   $(printf '%s\n' "${one[@]}" | us2ms | stats)"

toggle() {
  local group=$1 n=$2 out=()
  for _ in $(seq 1 "$n"); do
    for action in down up; do
      t0=$(ms)
      curl -fsS -o /dev/null -X POST "http://127.0.0.1:$PORT/api/admin/services/local/wbbench-1/$group/$action"
      t1=$(ms); out+=($(( (t1 - t0) / 1000 )))
    done
  done
  printf '%s\n' "${out[@]}" | us2ms | stats
}
echo "web group action to state read back:    $(toggle web "$TOGGLES")"
echo "daemon group action to state read back: $(toggle daemon $((TOGGLES / 2)))"
