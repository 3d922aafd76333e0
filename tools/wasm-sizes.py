#!/usr/bin/env python3
"""Code size per function of a named WASM file, attributed to the app module it serves.

Usage: tools/wasm-sizes.py NAMED.wasm [--top N]   (tools/wasm-sizes.sh makes NAMED.wasm)

A function belongs to the first `app::…` module (or `workbench_*` crate) its demangled v0
name mentions, generic arguments included, so `serde_json::…::deserialize_seq::<…HostView>`
counts for `app::hosts`. Framework code that names no app type is `fw:<crate>`.
"""
import collections
import re
import subprocess
import sys


def leb(b, i):
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def name(b, i):
    n, i = leb(b, i)
    return b[i:i + n].decode("utf-8", "replace"), i + n


def functions(path):
    """(body size, name) for every defined function."""
    b = open(path, "rb").read()
    i, imported, bodies, names = 8, 0, [], {}
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 0:
            section, j = name(b, i)
            while section == "name" and j < end:
                sub = b[j]
                ssize, j = leb(b, j + 1)
                if sub == 1:
                    count, k = leb(b, j)
                    for _ in range(count):
                        idx, k = leb(b, k)
                        names[idx], k = name(b, k)
                j += ssize
        elif sid == 2:
            count, j = leb(b, i)
            for _ in range(count):
                _, j = name(b, j)
                _, j = name(b, j)
                kind = b[j]
                j += 1
                if kind == 0:
                    _, j = leb(b, j)
                    imported += 1
                elif kind in (1, 2):
                    j += 1 if kind == 1 else 0
                    flags = b[j]
                    _, j = leb(b, j + 1)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 3:
                    j += 2
                else:
                    _, j = leb(b, j + 1)
        elif sid == 10:
            count, j = leb(b, i)
            for k in range(count):
                s, j = leb(b, j)
                bodies.append((s, imported + k))
                j += s
        i = end
    # The name section comes after the code section.
    return [(s, names.get(idx, f"?{idx}")) for s, idx in bodies]


def owner(n):
    m = re.search(r"app\[[0-9a-f]+\]::(?:components::|routes::)?([a-z_0-9]+)", n)
    if m:
        return "app::" + m.group(1)
    m = re.search(r"(workbench_[a-z_]+|ttyd_protocol)\[", n)
    if m:
        return m.group(1)
    m = re.match(r"<?(?:&mut |&)?([a-z_0-9]+)\[", n)
    return "fw:" + (m.group(1) if m else "other")


def main():
    path = sys.argv[1]
    top = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--top" else 10
    rows = functions(path)
    demangled = subprocess.run(
        ["rustfilt"], input="\n".join(n for _, n in rows), capture_output=True, text=True, check=True
    ).stdout.split("\n")
    rows = [(s, d) for (s, _), d in zip(rows, demangled)]
    total = sum(s for s, _ in rows)
    by_owner = collections.defaultdict(list)
    for s, n in rows:
        by_owner[owner(n)].append((s, n))
    print(f"{total} bytes of code in {len(rows)} functions")
    for key, items in sorted(by_owner.items(), key=lambda kv: -sum(s for s, _ in kv[1])):
        size = sum(s for s, _ in items)
        print(f"{size:9d} {100 * size / total:5.1f} %  {key} ({len(items)} functions)")
        if key.startswith(("app::", "workbench_")):
            for s, n in sorted(items, reverse=True)[:top]:
                short = re.sub(r"\[[0-9a-f]+\]", "", n)[:160]
                print(f"{'':12}{s:7d}  {short}")


if __name__ == "__main__":
    main()
