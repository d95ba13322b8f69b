#!/usr/bin/env python3
"""Code-only redeploy latency of examples/express-app: `aether deploy` start → the new version
answering on its stable URL, median of N runs, split per phase. Side by side, in the same
script, a baseline: the same change shipped the plain way (fresh `npm ci --omit=dev` into the
release, then start node and wait for its first answer). Prints a table and a JSON report;
never fails on timing (exit 1 only if something could not run at all).

usage: bench/redeploy_latency.py [--runs 10] [--baseline-runs 5] [--bin build/apps] [--out FILE]
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time
import urllib.request

from benchlib import emit_report, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def get(url, host=None, timeout=2):
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except Exception as e:  # connection refused, 5xx, timeout
        return 0, str(e)


def wait_for(url, needle, host=None, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status, body = get(url, host)
        if status == 200 and needle in body:
            return time.monotonic()
        time.sleep(0.005)
    raise RuntimeError(f"{url} never answered with {needle!r}")


def stats(values):
    v = sorted(values)
    return {"median": statistics.median(v), "p90": v[min(len(v) - 1, int(0.9 * len(v)))],
            "min": v[0], "max": v[-1], "n": len(v)}


def run_aether(args, work):
    bin_dir = os.path.abspath(args.bin)
    env = dict(os.environ, XDG_CONFIG_HOME=f"{work}/config", XDG_CACHE_HOME=f"{work}/cache",
               NO_COLOR="1")
    api, router = free_port(), free_port()
    daemon = subprocess.Popen([f"{bin_dir}/aetherd", "--data-dir", f"{work}/data", "--port",
                               str(api), "--router-port", str(router)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{api}/healthz", "ok", timeout=20)
        token = open(f"{work}/data/admin.token").read().strip()
        subprocess.run([f"{bin_dir}/aether", "login", "--server", f"http://127.0.0.1:{api}",
                        "--token", token], env=env, check=True, stdout=subprocess.DEVNULL)
        app = f"{work}/express-app"
        shutil.copytree(f"{ROOT}/examples/express-app", app,
                        ignore=shutil.ignore_patterns("node_modules"))
        url, host = f"http://127.0.0.1:{router}/", f"express-app.localhost:{router}"

        def deploy(version):
            with open(f"{app}/version.json", "w") as f:
                f.write(json.dumps({"version": version}))
            t0 = time.monotonic()
            out = subprocess.run([f"{bin_dir}/aether", "deploy", "--json"], cwd=app, env=env,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(f"deploy failed: {out.stderr.strip()}")
            t1 = wait_for(url, f'"version":"{version}"', host)
            report = json.loads(out.stdout)
            return (t1 - t0) * 1000, report

        first_ms, first = deploy("first")
        runs = [deploy(f"r{i}") for i in range(args.runs)]
        return first_ms, first, runs
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)


def run_baseline(args, work):
    """Ship the same code change without AetherEngine: reinstall deps, start, first answer."""
    times = []
    for i in range(args.baseline_runs):
        rel = f"{work}/baseline-{i}"
        shutil.copytree(f"{ROOT}/examples/express-app", rel,
                        ignore=shutil.ignore_patterns("node_modules"))
        with open(f"{rel}/version.json", "w") as f:
            f.write(json.dumps({"version": f"b{i}"}))
        port = free_port()
        t0 = time.monotonic()
        subprocess.run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline",
                        "--loglevel=error"], cwd=rel, check=True, stdout=subprocess.DEVNULL)
        node = subprocess.Popen(["node", "server.js"], cwd=rel, env=dict(os.environ, PORT=str(port)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            t1 = wait_for(f"http://127.0.0.1:{port}/", f'"version":"b{i}"')
        finally:
            node.terminate()
            node.wait()
        times.append((t1 - t0) * 1000)
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--baseline-runs", type=int, default=5)
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "apps"))
    p.add_argument("--out", default="")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="aether-bench-")
    try:
        first_ms, first, runs = run_aether(args, work)
        baseline = run_baseline(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    totals = [ms for ms, _ in runs]
    cli_phases = {}
    for _, rep in runs:
        for k, v in rep.get("timings", {}).items():
            cli_phases.setdefault(k, []).append(v)
    server_phases = {}
    for _, rep in runs:
        for ph in rep.get("server_phases", []):
            server_phases.setdefault(ph["name"], []).append(ph["ms"])
    deps_cached = sum(1 for _, rep in runs
                      if any(l.get("role") == "deps" and l.get("cached") for l in rep.get("layers", [])))
    report = {
        "benchmark": "redeploy-latency",
        "deps_layer_reused_runs": deps_cached,
        "app": "examples/express-app",
        "change": "code-only (version.json edited)",
        "runs": args.runs,
        "aether_total_ms": stats(totals),
        "aether_first_deploy_ms": first_ms,
        "cli_phases_ms": {k: stats(v) for k, v in cli_phases.items()},
        "server_phases_ms": {k: stats(v) for k, v in server_phases.items()},
        "baseline_npm_ci_restart_ms": stats(baseline),
        "ratio_aether_vs_baseline": statistics.median(totals) / statistics.median(baseline),
        "target_ms": 1000,
    }
    print(f"\nCode-only redeploy of examples/express-app, {args.runs} runs (ms)\n")
    print(f"{'measure':<34}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}")
    def row(name, s):
        print(f"{name:<34}{s['median']:>10.0f}{s['p90']:>10.0f}{s['min']:>10.0f}{s['max']:>10.0f}")
    row("aether: CLI start → new version", report["aether_total_ms"])
    for k, s in report["cli_phases_ms"].items():
        row(f"  cli {k}", s)
    for k, s in report["server_phases_ms"].items():
        row(f"  server {k}", s)
    row("baseline: npm ci + start → answer", report["baseline_npm_ci_restart_ms"])
    print(f"\nunchanged lockfile: deps phase median {report['cli_phases_ms']['deps']['median']:.0f} ms, "
          f"deps layer reused (no package manager, no pack) in {deps_cached} of {args.runs} runs")
    print(f"first deploy (cold deps): {first_ms:.0f} ms; "
          f"ratio aether/baseline (median): {report['ratio_aether_vs_baseline']:.3f}; "
          f"target < 1000 ms: {'met' if report['aether_total_ms']['median'] < 1000 else 'NOT met'}")
    emit_report(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
