#!/usr/bin/env bash
# `dockerd.sh start`: makes sure a Docker engine answers, starting Debian's dockerd when none
# does, and prints the pid it started (nothing when one was already running).
# `dockerd.sh stop PID`: stops the engine this script started.
. "$(dirname "$0")/lib.sh"

ping() { curl -fsS --max-time 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; }

case "${1:-}" in
  start)
    ping && exit 0
    command -v dockerd >/dev/null || die "dockerd is missing: run tools/setup-test.sh"
    log="$TOOLS_CACHE/dockerd.log"
    nohup dockerd >"$log" 2>&1 &
    pid=$!
    # Wait on the API, not the socket file: the socket appears before the engine answers.
    for _ in $(seq 1 150); do
      if ping; then echo "$pid"; exit 0; fi
      kill -0 "$pid" 2>/dev/null || die "dockerd exited at start-up; see $log"
      sleep 0.2
    done
    die "dockerd did not answer within 30 s; see $log"
    ;;
  stop)
    [ -n "${2:-}" ] || exit 0
    kill "$2" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$2" 2>/dev/null || exit 0; sleep 0.2; done
    kill -9 "$2" 2>/dev/null || true
    ;;
  *) die "usage: dockerd.sh start | stop PID" ;;
esac
