#!/usr/bin/env python3
"""Asserts the exact RBAC of a rendered aether chart (YAML on stdin): the only Roles are the
control plane's and, with dev-hot, aether-dev-hot's, both in the apps namespace, with exactly
the rules below (no verb or resource beyond them); no ClusterRole or ClusterRoleBinding.
Usage: helm template ... | rbac_rules.py --apps-ns NS --dev-hot on|off --ingress on|off
       [--secrets on|off]  (rbac.allowSecrets)
Exit 0 when they match; else one line per difference on stderr and exit 1."""
import argparse
import sys

import yaml

MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"]


def expected_control_plane(dev_hot, ingress, secrets):
    rules = [
        ("apps", "deployments", None, MANAGE),
        ("apps", "replicasets", None, ["get", "list", "watch"]),
        ("", "services", None, MANAGE),
        ("", "pods", None, ["get", "list", "watch"] + (["patch"] if dev_hot else [])),
        ("", "pods/log", None, ["get"]),
    ]
    if secrets:
        rules.append(("", "secrets", None, ["get", "create", "update", "patch", "delete"]))
    else:
        rules.append(("", "secrets", ("aether-pull",), ["get"]))
    if ingress:
        rules.append(("networking.k8s.io", "ingresses", None, MANAGE))
    if dev_hot:
        rules.append(("", "configmaps", None, ["get", "create", "update", "patch", "delete"]))
    return rules


def flatten(rules):
    """(group, resource, resourceNames) -> sorted verbs, one entry per group x resource."""
    out = {}
    for r in rules:
        names = tuple(r.get("resourceNames") or ()) or None
        for g in r.get("apiGroups", []):
            for res in r.get("resources", []):
                key = (g, res, names)
                out[key] = sorted(set(out.get(key, [])) | set(r.get("verbs", [])))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps-ns", required=True)
    ap.add_argument("--dev-hot", choices=["on", "off"], required=True)
    ap.add_argument("--ingress", choices=["on", "off"], required=True)
    ap.add_argument("--secrets", choices=["on", "off"], default="off")
    a = ap.parse_args()
    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    errors = []
    for d in docs:
        if d["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            errors.append(f"unexpected {d['kind']} {d['metadata']['name']}")
    roles = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Role"}
    cp = [n for n in roles if n != "aether-dev-hot"]
    if len(cp) != 1:
        errors.append(f"expected one control-plane Role, found {cp}")
    want = {"cp": flatten({"apiGroups": [g], "resources": [r], "verbs": v,
                           **({"resourceNames": list(n)} if n else {})}
                          for g, r, n, v in expected_control_plane(a.dev_hot == "on",
                                                                   a.ingress == "on",
                                                                   a.secrets == "on"))}
    if a.dev_hot == "on":
        want["aether-dev-hot"] = flatten([{"apiGroups": [""], "resources": ["pods"],
                                           "verbs": ["get", "watch"]}])
    elif "aether-dev-hot" in roles:
        errors.append("Role aether-dev-hot rendered with dev-hot off")
    for name, role in roles.items():
        key = "aether-dev-hot" if name == "aether-dev-hot" else "cp"
        if role["metadata"].get("namespace") != a.apps_ns:
            errors.append(f"Role {name} is in {role['metadata'].get('namespace')}, not {a.apps_ns}")
        got = flatten(role.get("rules", []))
        exp = want.get(key, {})
        for k in sorted(set(got) | set(exp), key=str):
            if got.get(k) != exp.get(k):
                errors.append(f"Role {name} {k}: got {got.get(k)}, want {exp.get(k)}")
    for d in docs:
        if d["kind"] == "RoleBinding" and d["metadata"].get("namespace") != a.apps_ns:
            errors.append(f"RoleBinding {d['metadata']['name']} outside {a.apps_ns}")
    for e in errors:
        print(f"rbac_rules.py: {e}", file=sys.stderr)
    sys.exit(1 if errors else 0)


main()
