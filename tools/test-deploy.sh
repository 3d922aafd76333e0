#!/usr/bin/env bash
# Checks the deployment files without building any image (no registry here):
# * every shell script passes `bash -n` and shellcheck;
# * docker/dev-workspace/entrypoint.sh, run with the real git and a stub ttyd on PATH,
#   writes the git identity, marks /workspace safe once, prints the banner and execs ttyd
#   with exactly `-W -m 10 -p 7681 bash`;
# * deploy/compose.yaml and deploy/cloudflared/config.yml parse and name only images and
#   ports that docs/homelab.md names (tools/check-deploy-yaml.py).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

fail() { echo "FAIL: $*" >&2; exit 1; }

scripts=(docker/dev-workspace/entrypoint.sh deploy/openrc/workbench tools/test-deploy.sh tools/bench-hosts.sh)
for script in "${scripts[@]}"; do
  bash -n "$script" || fail "bash -n $script"
  shellcheck "$script" || fail "shellcheck $script"
done
echo "ok: bash -n and shellcheck on ${#scripts[@]} scripts"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/home" "$work/workspace"
# ttyd records its arguments instead of serving; a fake CLI shows up in the banner.
cat >"$work/bin/ttyd" <<'STUB'
#!/usr/bin/env bash
if [[ ${1:-} == --version ]]; then echo "ttyd version 1.7.7-stub"; exit 0; fi
printf '%s\n' "$@" >"$STUB_LOG"
STUB
cat >"$work/bin/claude" <<'STUB'
#!/usr/bin/env bash
echo "2.1.328 (Claude Code, stub)"
STUB
chmod +x "$work/bin/ttyd" "$work/bin/claude"

run_entrypoint() {
  env -i PATH="$work/bin:/usr/local/bin:/usr/bin:/bin" HOME="$work/home" WORKSPACE="$work/workspace" \
    STUB_LOG="$work/ttyd.args" "$@" bash docker/dev-workspace/entrypoint.sh
}

# A hostile name must reach git as data, never run.
# shellcheck disable=SC2016 # the $(…) is the payload: it must stay unexpanded
hostile='Ada $(touch '"$work"'/pwned) Lovelace'
out=$(run_entrypoint GIT_USER_NAME="$hostile" GIT_USER_EMAIL=ada@example.com 2>&1)
[[ ! -e $work/pwned ]] || fail "the entrypoint ran a command from GIT_USER_NAME"
[[ $(HOME=$work/home git config --global user.name) == "$hostile" ]] || fail "user.name not written"
[[ $(HOME=$work/home git config --global user.email) == ada@example.com ]] || fail "user.email not written"
[[ $(HOME=$work/home git config --global --get-all safe.directory) == "$work/workspace" ]] || fail "workspace not marked safe"
[[ $(tr '\n' ' ' <"$work/ttyd.args") == "-W -m 10 -p 7681 bash " ]] || fail "ttyd arguments: $(cat "$work/ttyd.args")"
grep -q 'ttyd .*1.7.7-stub' <<<"$out" || fail "banner lacks ttyd: $out"
grep -q 'claude .*2.1.328' <<<"$out" || fail "banner lacks claude: $out"
grep -q 'codex .*(not installed)' <<<"$out" || fail "banner does not say codex is missing: $out"
grep -q '^  git ' <<<"$out" || fail "banner lacks git: $out"

# A second start adds nothing twice; no identity given: a hint, and the old one stays.
rm -f "$work/ttyd.args"
out=$(run_entrypoint 2>&1)
[[ $(HOME=$work/home git config --global --get-all safe.directory | wc -l) -eq 1 ]] || fail "safe.directory added twice"
grep -q 'set GIT_USER_NAME and GIT_USER_EMAIL' <<<"$out" || fail "no hint without an identity: $out"
[[ -s $work/ttyd.args ]] || fail "ttyd not started on the second run"

# Multi-line values are refused, not half-written.
out=$(run_entrypoint GIT_USER_NAME=$'Eve\n[core]\n\tpager = evil' GIT_USER_EMAIL=eve@example.com 2>&1)
grep -q 'must be one line' <<<"$out" || fail "a multi-line name was not refused: $out"
! grep -q evil "$work/home/.gitconfig" || fail "a multi-line name reached .gitconfig"

# Arguments run instead of ttyd.
rm -f "$work/ttyd.args"
[[ $(env -i PATH="$work/bin:/usr/bin:/bin" HOME="$work/home" WORKSPACE="$work/workspace" bash docker/dev-workspace/entrypoint.sh echo hello 2>/dev/null | tail -n 1) == hello ]] \
  || fail "arguments did not replace ttyd"
[[ ! -e $work/ttyd.args ]] || fail "ttyd ran although a command was given"
echo "ok: entrypoint with a stub ttyd"

python3 tools/check-deploy-yaml.py

# The checker itself: altered copies must fail.
check_altered() {
  local what=$1 file=$2 expr=$3 copy="$work/altered"
  rm -rf "$copy" && mkdir -p "$copy/docs/notes" "$copy/deploy/cloudflared"
  cp docs/homelab.md "$copy/docs/"
  cp deploy/compose.yaml "$copy/deploy/"
  cp deploy/cloudflared/config.yml "$copy/deploy/cloudflared/"
  sed -i -e "$expr" "$copy/$file"
  if DEPLOY_ROOT=$copy python3 tools/check-deploy-yaml.py >/dev/null 2>&1; then
    fail "the YAML check missed: $what"
  fi
}
check_altered "an image the docs do not name" deploy/compose.yaml 's#image: codercom/code-server:latest#image: evil/miner:latest#'
check_altered "a web UI published beyond loopback" deploy/compose.yaml 's#"127.0.0.1:8081:8080/tcp"#"8081:8080/tcp"#'
check_altered "a port the docs do not name" deploy/compose.yaml 's#127.0.0.1:7681:7681#127.0.0.1:7999:7681#'
check_altered "no catch-all" deploy/cloudflared/config.yml '/http_status:404/d'
check_altered "Access not required" deploy/cloudflared/config.yml '0,/required: true/s//required: false/'
check_altered "a route to a service the stack lacks" deploy/cloudflared/config.yml 's#http://code-server:8080#http://jupyter:8888#'
check_altered "YAML that does not parse" deploy/compose.yaml '1i services: [unclosed'
echo "ok: the YAML check catches 7 kinds of mistake"
