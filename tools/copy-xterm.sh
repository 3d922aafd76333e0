#!/usr/bin/env bash
# Copies xterm.js and its add-ons from node_modules into public/xterm/, where the build
# picks them up as site assets (/xterm/xterm.mjs, …). Run by setup-build.sh after npm ci,
# so the copy always matches package-lock.json.
. "$(dirname "$0")/lib.sh"
src="$ROOT/node_modules/@xterm"
dest="$ROOT/public/xterm"
[ -f "$src/xterm/lib/xterm.mjs" ] || die "node_modules/@xterm/xterm is missing: run npm ci"
mkdir -p "$dest"
# Files are replaced only when their content changes, so an unchanged copy keeps its
# timestamp and `make run` does not rebuild the site for nothing.
install_if_changed() { # SOURCE NAME
  local tmp="$dest/.$2.tmp"
  # No source maps are shipped; drop the references so devtools do not ask for them.
  sed '/^\/\/# sourceMappingURL=/d' "$1" >"$tmp"
  if cmp -s "$tmp" "$dest/$2"; then rm "$tmp"; else mv "$tmp" "$dest/$2"; fi
}
install_if_changed "$src/xterm/lib/xterm.mjs" xterm.mjs
install_if_changed "$src/xterm/css/xterm.css" xterm.css
for addon in fit web-links search unicode11; do
  install_if_changed "$src/addon-$addon/lib/addon-$addon.mjs" "addon-$addon.mjs"
done
