#!/usr/bin/env bash
# Copies xterm.js and its add-ons from node_modules into public/xterm/, where the build
# picks them up as site assets (/xterm/xterm.mjs, …). Run by setup-build.sh after npm ci,
# so the copy always matches package-lock.json.
. "$(dirname "$0")/lib.sh"
src="$ROOT/node_modules/@xterm"
dest="$ROOT/public/xterm"
[ -f "$src/xterm/lib/xterm.mjs" ] || die "node_modules/@xterm/xterm is missing: run npm ci"
mkdir -p "$dest"
cp "$src/xterm/lib/xterm.mjs" "$src/xterm/css/xterm.css" "$dest/"
for addon in fit web-links search unicode11; do
  cp "$src/addon-$addon/lib/addon-$addon.mjs" "$dest/"
done
# No source maps are shipped; drop the references so devtools do not ask for them.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest"/*.mjs
