#!/usr/bin/env bash
# Where the WASM's bytes are: builds the browser crate unsplit with v0 symbol names (generic
# arguments included), keeps the names through wasm-bindgen and wasm-opt -Oz, and prints the
# code size per app module (tools/wasm-sizes.py). Needs rustfilt (`cargo install rustfilt`).
# Usage: tools/wasm-sizes.sh [--top N]. Its own target dir: the release build is untouched.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
command -v rustfilt >/dev/null || die "rustfilt is missing: cargo install rustfilt"
TARGET="$ROOT/target/wasm-sizes"
OUT="$TARGET/named"
RUSTFLAGS="--cfg erase_components -Csymbol-mangling-version=v0" \
  cargo build -q --package=frontend --lib --target-dir="$TARGET" --target="$WASM_TARGET" \
  --no-default-features --profile=wasm-release
rm -rf "$OUT"
wasm-bindgen --target web --no-typescript --keep-debug --out-dir "$OUT" --out-name w \
  "$TARGET/$WASM_TARGET/wasm-release/frontend.wasm"
wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int -o "$OUT/w.opt.wasm" "$OUT/w_bg.wasm"
python3 "$ROOT/tools/wasm-sizes.py" "$OUT/w.opt.wasm" "$@"
