#!/usr/bin/env python3
"""Checks .github/workflows/images.yml and image.yml (GitHub Actions cannot run here): the
triggers (main, v* tags, a monthly schedule, manual runs with a cosign switch), both images built
through image.yml from Dockerfiles that exist, the base image taking the agent from the aetherd
image by digest, and in image.yml a build that is scanned by Trivy (failing on CRITICAL) before
the push with SBOM and provenance, an SPDX SBOM, cosign only behind its switch, every action
pinned. Usage: workflow.py SOURCE_DIR. Exit 1 with one line per problem on stderr."""
import os
import sys

import yaml

src = sys.argv[1]
errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


def load(name):
    with open(os.path.join(src, ".github/workflows", name)) as f:
        doc = yaml.safe_load(f)
    return doc, doc.get("on", doc.get(True))  # YAML 1.1 reads the key `on` as true


images, on = load("images.yml")
need("main" in on["push"]["branches"] and "v*" in on["push"]["tags"], "images.yml: push to main and v* tags")
need(on["schedule"][0]["cron"].split()[2:4] == ["1", "*"], "images.yml: a monthly schedule")
need(on["workflow_dispatch"]["inputs"]["cosign"]["type"] == "boolean", "images.yml: a cosign switch")
perms = images["permissions"]
need(perms.get("packages") == "write" and perms.get("id-token") == "write", "images.yml: permissions")
jobs = images["jobs"]
for job, dockerfile in [("aetherd", "deploy/images/aetherd/Dockerfile"),
                        ("aether-nodejs", "deploy/images/aether-nodejs/20-slim/Dockerfile")]:
    j = jobs[job]
    need(j["uses"] == "./.github/workflows/image.yml", f"images.yml: {job} goes through image.yml")
    need(j["with"]["dockerfile"] == dockerfile and os.path.isfile(os.path.join(src, dockerfile)),
         f"images.yml: {job} builds {dockerfile}")
    need("COSIGN_ENABLED" in j["with"]["cosign"] and "inputs.cosign" in j["with"]["cosign"],
         f"images.yml: {job} signs only when switched on")
    need("schedule" in j["with"]["no-cache"], f"images.yml: {job} rebuilds without cache monthly")
need(jobs["aether-nodejs"]["needs"] == "aetherd" and
     "AGENT_IMAGE=${{ needs.aetherd.outputs.image }}@${{ needs.aetherd.outputs.digest }}"
     in jobs["aether-nodejs"]["with"]["build-args"], "images.yml: the base image's agent by digest")
need("type=sha" in jobs["aetherd"]["with"]["tags"] and "type=semver" in jobs["aetherd"]["with"]["tags"],
     "images.yml: version and sha tags")

image, on = load("image.yml")
need("workflow_call" in on, "image.yml: a reusable workflow")
steps = image["jobs"]["image"]["steps"]
uses = [s.get("uses", "") for s in steps]


def index(prefix, **with_):
    for i, s in enumerate(steps):
        if s.get("uses", "").startswith(prefix) and all(
                str(s.get("with", {}).get(k)).lower() == str(v).lower() for k, v in with_.items()):
            return i
    errors.append(f"image.yml: no step {prefix} with {with_}")
    return -1


build = index("docker/build-push-action@", load="true")
scan = index("aquasecurity/trivy-action@", severity="CRITICAL", **{"exit-code": "1"})
push = index("docker/build-push-action@", push="true", sbom="true")
sbom = index("anchore/sbom-action@")
need(-1 < build < scan < push < sbom, "image.yml: build, Trivy scan, push, SBOM in that order")
need("provenance" in steps[push].get("with", {}), "image.yml: provenance attestation on push")
need(any("ghcr.io/" in s.get("run", "") for s in steps), "image.yml: images named ghcr.io/OWNER/…")
for s in steps:
    if "cosign" in s.get("uses", "") + s.get("run", ""):
        need(s.get("if") == "inputs.cosign", f"image.yml: cosign step without the switch: {s}")
need(all("@" in u for u in uses if u), "image.yml: every action pinned to a version")

for e in errors:
    print(f"workflow.py: {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
