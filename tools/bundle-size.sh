#!/usr/bin/env bash
# What a first visit to each page downloads of the release WASM (issue 2's size goal):
# the main module plus every chunk the split manifest lists for that page's lazy UI,
# each file gzip -9'd alone, as a server would send it. Usage: tools/bundle-size.sh [pkg-dir]
# (after `make build`). docs/notes/bundle.md has the figures.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PKG=${1:-target/site/pkg}
MANIFEST="$PKG/__wasm_split_manifest.json"
[ -f "$PKG/workbench.wasm" ] && [ -f "$MANIFEST" ] || die "no split build in $PKG: run make build"

raw() { stat -c %s "$PKG/$1.wasm"; }
gz() { gzip -9c "$PKG/$1.wasm" | wc -c; }

# The manifest is flat JSON: {"<lazy fn>_<hash>": ["chunk_6", …, "split_<lazy fn>_<hash>"], …}.
chunks_of() {
  tr -d ' \n' <"$MANIFEST" | grep -o "\"$1_[0-9]*\":\[[^]]*\]" | sed 's/.*:\[//; s/\]//; s/"//g; s/,/ /g'
}

# page → the lazy functions its server render uses (app/src/split.rs); none: main only.
PAGES=(
  "/workbench/brain:brain_panel"
  "/workbench/brain, Index opened:brain_panel brain_index_panel"
  "/workbench/code:code_panel"
  "/workbench/terminal:terminal_panel"
  "/homelab:homelab"
  "/resources (any of its pages):resources"
)

main_raw=$(raw workbench)
main_gz=$(gz workbench)
echo "| first visit to | main raw | main gzip | chunks raw | chunks gzip | total raw | total gzip |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for row in "${PAGES[@]}"; do
  page=${row%%:*}
  files=$(for fn in ${row#*:}; do chunks_of "$fn"; done | tr ' ' '\n' | sort -u)
  [ -n "$files" ] || [ -z "${row#*:}" ] || die "the manifest has no chunks for ${row#*:}"
  c_raw=0 c_gz=0
  for f in $files; do
    c_raw=$((c_raw + $(raw "$f")))
    c_gz=$((c_gz + $(gz "$f")))
  done
  echo "| $page | $main_raw | $main_gz | $c_raw | $c_gz | $((main_raw + c_raw)) | $((main_gz + c_gz)) |"
done
# From the manifest, not a glob: a rebuild leaves the previous build's chunks in place.
all_raw=$main_raw all_gz=$main_gz
for f in $(tr -d ' \n' <"$MANIFEST" | grep -o '"[a-z_0-9]*"' | tr -d '"' | grep -E '^(chunk|split)_' | sort -u); do
  all_raw=$((all_raw + $(raw "$f")))
  all_gz=$((all_gz + $(gz "$f")))
done
echo "| every file (all pages) | | | | | $all_raw | $all_gz |"
