#!/usr/bin/env bash
# Prepares the dev workspace and starts ttyd on port 7681:
# * git user.name / user.email from GIT_USER_NAME / GIT_USER_EMAIL, written to the user's
#   own ~/.gitconfig (no read-only gitconfig mount, so git and tools can still change it);
# * /workspace marked safe, since a bind mount is usually owned by another uid;
# * a banner of the tools on PATH.
# Arguments, when given, run instead of ttyd (e.g. `docker run IMAGE bash`).
set -euo pipefail

WORKSPACE=${WORKSPACE:-/workspace}
TOOLS=(git tmux curl ssh python3 make gcc jq vim node npm ttyd claude codex opencode)

set_git_identity() {
  local name=${GIT_USER_NAME:-} email=${GIT_USER_EMAIL:-}
  # Values go to git as arguments, never through a shell; newlines would split config lines.
  if [[ $name == *$'\n'* || $email == *$'\n'* ]]; then
    echo "entrypoint: GIT_USER_NAME / GIT_USER_EMAIL must be one line each; ignoring them" >&2
    return 0
  fi
  [[ -n $name ]] && git config --global user.name "$name"
  [[ -n $email ]] && git config --global user.email "$email"
  if [[ -z $name || -z $email ]]; then
    echo "entrypoint: set GIT_USER_NAME and GIT_USER_EMAIL to commit as yourself" >&2
  fi
  return 0
}

mark_workspace_safe() {
  if ! git config --global --get-all safe.directory 2>/dev/null | grep -qxF "$WORKSPACE"; then
    git config --global --add safe.directory "$WORKSPACE"
  fi
}

tool_version() {
  local tool=$1 out
  out=$("$tool" --version 2>&1 </dev/null | head -n 1) || true
  # ssh prints its version with -V only.
  if [[ $tool == ssh ]]; then out=$(ssh -V 2>&1 | head -n 1) || true; fi
  printf '%s' "${out:-installed}"
}

banner() {
  echo "Workbench dev workspace: $(whoami 2>/dev/null || id -u) in $WORKSPACE"
  local tool
  for tool in "${TOOLS[@]}"; do
    if command -v "$tool" >/dev/null 2>&1; then
      printf '  %-9s %s\n' "$tool" "$(tool_version "$tool")"
    else
      printf '  %-9s %s\n' "$tool" "(not installed)"
    fi
  done
}

set_git_identity
mark_workspace_safe
banner

if [[ $# -gt 0 ]]; then
  exec "$@"
fi
# ttyd 1.7.7: -W writable (input allowed), -m 10 at most ten clients; it has no --title flag.
exec ttyd -W -m 10 -p 7681 bash
