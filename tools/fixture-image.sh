#!/usr/bin/env bash
# The service panel's test fixture: a ruTorrent-like image (s6, nginx-light, php8.2-fpm, rtorrent)
# built from Debian packages with debootstrap and `docker import` (no registry reaches us), and the
# containers the tests drive.
#
#   fixture-image.sh image             build the image once per recipe (cached by its hash), print its tag
#   fixture-image.sh up [SOCKET]       (re)create the fixture containers on the engine at SOCKET
#   fixture-image.sh down [SOCKET]     remove them
#   fixture-image.sh dockerd2 start    start a second engine (own data-root, exec-root, pidfile, socket),
#                                      print its pid; `dockerd2 stop PID` stops it
#   fixture-image.sh many N [SOCKET]   N more managed containers for the benchmark (wbbench-1..N)
#
# Containers (all labelled workbench.services=true unless noted):
#   wbfx-argonaut  s6-overlay v3 layout: /run/service/svc-{nginx,php-fpm,rtorrent}
#   wbfx-bogie     s6-overlay v2 layout: /var/run/s6/services/{nginx,php-fpm,rtorrent}
#   wbfx-foreign   same image, NOT labelled: must stay invisible
# On the second engine (`up /run/workbench-docker2.sock`): wbfx-caboose (v3 layout).
. "$(dirname "$0")/lib.sh"

DOCKER2_SOCK=${WORKBENCH_DOCKER2_SOCK:-/run/workbench-docker2.sock}
IMAGE_REPO=workbench-fixture/rutorrent

# Everything that shapes the image; its hash is the tag, so a change rebuilds and nothing else does.
recipe() {
  cat <<'EOF'
debootstrap minbase bookworm s6,nginx-light,php8.2-fpm,rtorrent
svc-nginx: exec nginx -g 'daemon off; error_log stderr;'
svc-php-fpm: mkdir -p /run/php && exec php-fpm8.2 -F
svc-rtorrent: s6-setuidgid abc rtorrent -n daemon session=/data/session scgi=127.0.0.1:5000 v2
layouts: /run/service/svc-* (v3), /run/s6/services/* (v2, separate copies)
EOF
  sed -n '/^write_services()/,/^}/p' "$0"
}

mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# One service dir per name under $1, with the v3 or v2 names.
write_services() {
  local dir=$1 prefix=$2
  mkdir -p "$dir/${prefix}nginx" "$dir/${prefix}php-fpm" "$dir/${prefix}rtorrent"
  printf '#!/bin/sh\nexec nginx -g "daemon off; error_log stderr;"\n' >"$dir/${prefix}nginx/run"
  printf '#!/bin/sh\nmkdir -p /run/php\nexec php-fpm8.2 -F\n' >"$dir/${prefix}php-fpm/run"
  cat >"$dir/${prefix}rtorrent/run" <<'EOF'
#!/bin/sh
mkdir -p /data/session /data/downloads
chown -R abc:abc /data
exec 2>&1
exec s6-setuidgid abc rtorrent -n -o system.daemon.set=true -o session.path.set=/data/session \
  -o directory.default.set=/data/downloads -o network.scgi.open_port=127.0.0.1:5000
EOF
  chmod 755 "$dir"/*/run
}

build_image() {
  local tag rootfs
  tag=$(recipe | sha256sum | cut -c1-16)
  if docker image inspect "$IMAGE_REPO:$tag" >/dev/null 2>&1; then
    echo "$IMAGE_REPO:$tag"
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap is missing: run tools/setup-test.sh"
  # dpkg's fsyncs make a disk build 2-3x slower than one on tmpfs.
  rootfs=$(mktemp -d /dev/shm/wbfx-rootfs.XXXXXX)
  mkdir -p "$TOOLS_CACHE/debootstrap"
  say "debootstrap of the fixture image (about a minute)"
  debootstrap --variant=minbase --include=s6,nginx-light,php8.2-fpm,rtorrent \
    --cache-dir="$TOOLS_CACHE/debootstrap" bookworm "$rootfs" "$(mirror)" >"$TOOLS_CACHE/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $TOOLS_CACHE/debootstrap.log"
  echo 'abc:x:911:911::/data:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
  echo 'abc:x:911:' >>"$rootfs/etc/group"
  write_services "$rootfs/run/service" svc-
  write_services "$rootfs/run/s6/services" ""
  # s6-overlay keeps its binaries here; the controller calls them by absolute path.
  ln -s usr/bin "$rootfs/command"
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/command:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENTRYPOINT ["/usr/bin/s6-svscan","/run/service"]' \
    --change "LABEL workbench.fixture.recipe=$tag" - "$IMAGE_REPO:$tag" >/dev/null
  rm -rf "$rootfs"
  echo "$IMAGE_REPO:$tag"
}

image() {
  # Parallel test runs build it once.
  exec 9>"$TOOLS_CACHE/fixture-image.lock"
  flock 9
  build_image
}

dk() { DOCKER_HOST="unix://$SOCK" docker "$@"; }

run_fixture() {
  local name=$1 img=$2; shift 2
  dk rm -f "$name" >/dev/null 2>&1 || true
  dk run -d --name "$name" --network none --stop-timeout 5 "$@" "$img" ${FIXTURE_CMD:-} >/dev/null
}

wait_up() {
  local name=$1 dir=$2
  for _ in $(seq 1 50); do
    if dk exec "$name" s6-svstat -u "$dir" 2>/dev/null | grep -q true; then return 0; fi
    sleep 0.2
  done
  die "$name: $dir did not come up"
}

up() {
  local img
  img=$(image)
  if [ "$SOCK" != /var/run/docker.sock ] && ! dk image inspect "$img" >/dev/null 2>&1; then
    docker save "$img" | dk load >/dev/null
  fi
  if [ "$SOCK" = /var/run/docker.sock ]; then
    run_fixture wbfx-argonaut "$img" --label workbench.services=true --label workbench.services.name=Argonaut
    FIXTURE_CMD=/var/run/s6/services run_fixture wbfx-bogie "$img" --label workbench.services=true \
      --label workbench.services.name=Bogie --entrypoint /usr/bin/s6-svscan
    run_fixture wbfx-foreign "$img"
    wait_up wbfx-argonaut /run/service/svc-rtorrent
    wait_up wbfx-bogie /var/run/s6/services/rtorrent
  else
    run_fixture wbfx-caboose "$img" --label workbench.services=true --label workbench.services.name=Caboose
    wait_up wbfx-caboose /run/service/svc-rtorrent
  fi
}

down() {
  dk rm -f wbfx-argonaut wbfx-bogie wbfx-foreign wbfx-caboose >/dev/null 2>&1 || true
  dk ps -aq --filter name=wbbench- | xargs -r env DOCKER_HOST="unix://$SOCK" docker rm -f >/dev/null 2>&1 || true
}

many() {
  local n=$1 img
  img=$(image)
  for i in $(seq 1 "$n"); do
    run_fixture "wbbench-$i" "$img" --label workbench.services=true --label "workbench.services.name=Bench $i"
  done
  for i in $(seq 1 "$n"); do wait_up "wbbench-$i" /run/service/svc-rtorrent; done
}

dockerd2() {
  local ping=(curl -fsS --max-time 2 --unix-socket "$DOCKER2_SOCK" http://localhost/_ping)
  case "${1:-}" in
    start)
      "${ping[@]}" >/dev/null 2>&1 && exit 0
      local d="$TOOLS_CACHE/docker2" pid
      mkdir -p "$d/data" "$d/exec"
      nohup dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
        -H "unix://$DOCKER2_SOCK" --bridge=none --iptables=false --ip-masq=false >"$d/dockerd.log" 2>&1 &
      pid=$!
      for _ in $(seq 1 150); do
        if "${ping[@]}" >/dev/null 2>&1; then echo "$pid"; exit 0; fi
        kill -0 "$pid" 2>/dev/null || die "second dockerd exited; see $d/dockerd.log"
        sleep 0.2
      done
      die "second dockerd did not answer within 30 s; see $d/dockerd.log"
      ;;
    stop) "$ROOT/tools/dockerd.sh" stop "${2:-}" ;;
    *) die "usage: fixture-image.sh dockerd2 start | stop PID" ;;
  esac
}

cmd=${1:-}
shift || true
case "$cmd" in
  image) image ;;
  up) SOCK=${1:-/var/run/docker.sock}; up ;;
  down) SOCK=${1:-/var/run/docker.sock}; down ;;
  many) SOCK=${2:-/var/run/docker.sock}; many "${1:?count}" ;;
  dockerd2) dockerd2 "$@" ;;
  *) die "usage: fixture-image.sh image | up [SOCKET] | down [SOCKET] | many N [SOCKET] | dockerd2 start|stop PID" ;;
esac
