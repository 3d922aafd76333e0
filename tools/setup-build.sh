#!/usr/bin/env bash
# Installs what building the site needs, skipping whatever is already there:
# the wasm32 target, wasm-bindgen-cli at the exact wasm-bindgen version,
# cargo-leptos, and the npm packages (binaryen's wasm-opt, xterm.js).
. "$(dirname "$0")/lib.sh"

ensure_wasm_target() {
  rustup target list --installed | grep -qx "$WASM_TARGET" && return 0
  say "adding the $WASM_TARGET target"
  rustup target add "$WASM_TARGET"
}

# Tools are built without fat LTO and with many codegen units: they run for seconds
# per build, so optimising them for 20 minutes would not pay back.
fast_tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
  CARGO_TARGET_DIR="$TOOLS_CACHE/target" \
    cargo install --locked --quiet --path "$1"
}

ensure_wasm_bindgen_cli() {
  if command -v wasm-bindgen >/dev/null && [ "$(wasm-bindgen --version)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    return 0
  fi
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION from source"
  local src
  src=$(crate_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION")
  (cd "$src" && cargo update --quiet -p webpki-roots --precise "$WEBPKI_ROOTS_PIN")
  fast_tool_install "$src"
}

ensure_cargo_leptos() {
  if command -v cargo-leptos >/dev/null && [ "$(cargo-leptos --version)" = "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    return 0
  fi
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION from source"
  local src
  src=$(crate_source cargo-leptos "$CARGO_LEPTOS_VERSION")
  (cd "$src" && cargo update --quiet -p cargo-util-schemas --precise "$CARGO_UTIL_SCHEMAS_PIN")
  fast_tool_install "$src"
}

ensure_npm_packages() {
  cd "$ROOT"
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    return 0
  fi
  command -v npm >/dev/null || apt_ensure nodejs npm
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
}

timed "wasm32 target" ensure_wasm_target
timed "wasm-bindgen-cli" ensure_wasm_bindgen_cli
timed "cargo-leptos" ensure_cargo_leptos
if [ -f "$ROOT/package-lock.json" ]; then timed "npm packages" ensure_npm_packages; fi
timed "xterm.js assets" "$ROOT/tools/copy-xterm.sh"
