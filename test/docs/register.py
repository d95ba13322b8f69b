#!/usr/bin/env python3
"""Registers an artifact without releasing it, as a build pipeline that promotes later does:
uploads the layers the server lacks (missing → presign → PUT → complete) and POSTs the manifest
to /apps/{app}/artifacts. Input: the JSON of `aether deploy --dry-run --json`. Prints the digest.
Usage: register.py DRY_RUN_JSON_FILE   (env AETHER_SERVER, AETHER_TOKEN)
"""
import json
import os
import sys
import urllib.request


def call(method, path, body=None, url=None):
    req = urllib.request.Request(url or os.environ["AETHER_SERVER"] + path, data=body,
                                 method=method)
    if url is None:
        req.add_header("Authorization", "Bearer " + os.environ["AETHER_TOKEN"])
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as res:
        text = res.read()
    return json.loads(text) if text else {}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    for layer in plan["layers"]:
        ref = json.dumps({"digest": layer["digest"], "size": layer["size"]}).encode()
        wanted = call("POST", "/artifacts/missing",
                      json.dumps({"digests": [layer["digest"]]}).encode())["missing"]
        if not wanted:
            continue
        url = call("POST", "/artifacts/presign", ref)
        with open(layer["path"], "rb") as f:
            target = url["url"]
            if target.startswith("/"):
                target = os.environ["AETHER_SERVER"] + target
            put = urllib.request.Request(target, data=f.read(), method="PUT",
                                         headers=url.get("headers", {}))
        urllib.request.urlopen(put, timeout=30).read()
        call("POST", "/artifacts/complete", ref)
    with open(plan["manifest_path"], "rb") as f:
        call("POST", f"/apps/{plan['app']}/artifacts", f.read())
    print(plan["artifact"])


if __name__ == "__main__":
    main()
