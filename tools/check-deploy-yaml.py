#!/usr/bin/env python3
"""deploy/compose.yaml and deploy/cloudflared/config.yml parse, and name only the images,
ports and hostnames that docs/homelab.md names; the tunnel routes only to services
the stack has, ends with a 404 catch-all, and checks Access on every hostname."""
import re
import sys
from pathlib import Path

import yaml

import os

# DEPLOY_ROOT lets tools/test-deploy.sh check altered copies (the checker's own test).
ROOT = Path(os.environ.get("DEPLOY_ROOT") or Path(__file__).resolve().parent.parent)
DOCS = (ROOT / "docs/homelab.md").read_text()
problems = []


def need_in_docs(what, value):
    if value not in DOCS:
        problems.append(f"{what} {value!r} is not named in docs/homelab.md")


compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
services = compose.get("services") or {}
if not services:
    problems.append("compose.yaml has no services")
container_ports = {}
for name, svc in services.items():
    need_in_docs("service", name)
    image = svc.get("image")
    if not image and "build" not in svc:
        problems.append(f"service {name} has neither image nor build")
    if image:
        need_in_docs("image", image)
    container_ports[name] = set()
    for port in svc.get("ports", []):
        m = re.fullmatch(r"(?:(?P<ip>[\d.]+):)?(?P<host>\d+):(?P<container>\d+)(?:/(?P<proto>tcp|udp))?", str(port))
        if not m:
            problems.append(f"service {name}: port {port!r} is not IP:HOST:CONTAINER[/proto]")
            continue
        need_in_docs(f"service {name} host port", m["host"])
        container_ports[name].add(m["container"])
        peer = name.startswith("rutorrent") and (m["proto"] == "udp" or int(m["host"]) >= 50000)
        if m["ip"] != "127.0.0.1" and not peer:
            problems.append(f"service {name}: {port!r} is published beyond 127.0.0.1")

tunnel = yaml.safe_load((ROOT / "deploy/cloudflared/config.yml").read_text())
for key in ("tunnel", "credentials-file", "ingress"):
    if key not in tunnel:
        problems.append(f"cloudflared config lacks {key}")
ingress = tunnel.get("ingress") or []
if not ingress or ingress[-1] != {"service": "http_status:404"}:
    problems.append("the last ingress rule must be the catch-all `service: http_status:404`")
hostnames = [rule for rule in ingress[:-1]]
if len(hostnames) != 3:
    problems.append(f"expected three hostnames (Workbench, code-server, terminal), found {len(hostnames)}")
for rule in hostnames:
    host = rule.get("hostname")
    if not host:
        problems.append(f"rule {rule} before the catch-all has no hostname")
        continue
    need_in_docs("hostname", host)
    m = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", rule.get("service", ""))
    if not m:
        problems.append(f"{host}: service {rule.get('service')!r} is not http://SERVICE:PORT")
        continue
    svc, port = m.groups()
    if svc not in services:
        problems.append(f"{host}: routes to {svc}, which compose.yaml does not define")
    elif port not in container_ports.get(svc, set()):
        problems.append(f"{host}: port {port} is not a port of {svc} in compose.yaml")
    need_in_docs(f"{host} port", port)
    access = (rule.get("originRequest") or {}).get("access") or {}
    if access.get("required") is not True or not access.get("teamName") or not access.get("audTag"):
        problems.append(f"{host}: originRequest.access needs required: true, teamName and audTag")

if problems:
    print("\n".join(f"FAIL: {p}" for p in problems), file=sys.stderr)
    sys.exit(1)
print(f"ok: compose.yaml ({len(services)} services) and cloudflared config.yml ({len(ingress)} rules) match the docs")
