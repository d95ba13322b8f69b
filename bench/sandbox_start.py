#!/usr/bin/env python3
"""Start latency of the app sandbox: N starts of a trivial node HTTP server through
`aether-agent run --no-restart` with and without `--sandbox` (bwrap; as nobody when run as
root), alternating, each from the agent's start to the first HTTP answer, then SIGTERM and wait.
Prints a table (median, p90, min, max in ms) and a JSON report with the ratio sandbox/plain;
never fails on timing (exit 1 only if something could not run at all).

usage: bench/sandbox_start.py [--runs 20] [--agent build/apps/aether-agent] [--out FILE]
"""
import argparse, os, shutil, signal, statistics, subprocess, sys, tempfile, time
import urllib.request

from benchlib import emit_report, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = """require('node:http').createServer((q, s) => s.end('ok'))
  .listen(Number(process.env.PORT), '127.0.0.1');
"""


def answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
            return r.status == 200
    except Exception:
        return False


def one_start(agent, app_dir, sandbox):
    port = free_port()
    argv = [agent, "run", "--no-restart", "--grace-ms", "2000", "--dir", app_dir]
    if sandbox:
        argv.append("--sandbox")
    argv += ["--", "node", "server.js"]
    env = dict(os.environ, PORT=str(port))
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not answers(port):
            if proc.poll() is not None:
                raise RuntimeError("agent exited: " + proc.stderr.read().decode()[-500:])
            if time.monotonic() - t0 > 30:
                raise RuntimeError("no answer within 30 s")
            time.sleep(0.002)
        return (time.monotonic() - t0) * 1000
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def summary(ms):
    ms = sorted(ms)
    return {"runs": len(ms), "median_ms": round(statistics.median(ms), 1),
            "p90_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.9))], 1),
            "min_ms": round(ms[0], 1), "max_ms": round(ms[-1], 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--agent", default=os.path.join(ROOT, "build", "apps", "aether-agent"))
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    for tool in ("node", "bwrap"):
        if shutil.which(tool) is None:
            print(f"sandbox_start: {tool} is not on PATH", file=sys.stderr)
            return 1
    work = tempfile.mkdtemp(prefix="aether-bench-sandbox-")
    try:
        app_dir = os.path.join(work, "app")
        os.makedirs(app_dir)
        with open(os.path.join(app_dir, "server.js"), "w") as f:
            f.write(SERVER)
        one_start(args.agent, app_dir, True)  # warm the page cache for both variants
        one_start(args.agent, app_dir, False)
        times = {"plain": [], "sandbox": []}
        for _ in range(args.runs):
            times["plain"].append(one_start(args.agent, app_dir, False))
            times["sandbox"].append(one_start(args.agent, app_dir, True))
    except RuntimeError as e:
        print(f"sandbox_start: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {"benchmark": "sandbox_start", "as_root": os.geteuid() == 0,
              "plain": summary(times["plain"]), "sandbox": summary(times["sandbox"])}
    report["ratio_median"] = round(report["sandbox"]["median_ms"] / report["plain"]["median_ms"], 2)
    report["overhead_median_ms"] = round(
        report["sandbox"]["median_ms"] - report["plain"]["median_ms"], 1)
    print(f"{'variant':<10}{'runs':>6}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}  (ms, start → first answer)")
    for name in ("plain", "sandbox"):
        s = report[name]
        print(f"{name:<10}{s['runs']:>6}{s['median_ms']:>10}{s['p90_ms']:>10}{s['min_ms']:>10}{s['max_ms']:>10}")
    print(f"ratio sandbox/plain (median): {report['ratio_median']}, "
          f"overhead {report['overhead_median_ms']} ms")
    emit_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
