#!/usr/bin/env python3
"""Log fan-out on the local runtime: bench/apps/log-spammer runs as 2 instances writing
RATE lines/s in total; N concurrent `GET /apps/{app}/logs?follow=1` streams (build/bench/
log_followers) measure the latency from the app's write to each follower's receipt (p50/p90/p99)
and the lines lost (sequence gaps and the server's "missed N lines" notices). Side by side, in
the same script and against the same running app, a baseline with 1 follower. aetherd's CPU
(share of one core) and peak RSS are sampled from /proc during each run. Prints a table and a
JSON report; never fails on timing (exit 1 only if something could not run at all).

usage: bench/log_fanout.py [--followers 200] [--sweep 50,100] [--rate 10000] [--seconds 20]
                           [--bin build] [--out FILE]
--sweep adds runs with those follower counts (between the baseline and the main run), to show
where latency starts to grow on the machine at hand.
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, threading, time
import urllib.request

from benchlib import emit_report, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_ok(url, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never answered 200")


class ProcSampler(threading.Thread):
    """CPU seconds and peak RSS of one process over a window, from /proc."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_rss_mb, self.stop = pid, 0.0, threading.Event()
        self.hz = os.sysconf("SC_CLK_TCK")

    def cpu_seconds(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.hz  # utime + stime

    def run(self):
        while not self.stop.is_set():
            for line in open(f"/proc/{self.pid}/status"):
                if line.startswith("VmRSS:"):
                    self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)
            self.stop.wait(0.2)


def measure(args, api, token, followers, pid):
    sampler = ProcSampler(pid)
    cpu0, t0 = sampler.cpu_seconds(), time.monotonic()
    sampler.start()
    out = subprocess.run([f"{args.bin}/bench/log_followers", "--url",
                          f"http://127.0.0.1:{api}/apps/log-spammer/logs?follow=1&tail_lines=0&container=app",
                          "--token", token, "--followers", str(followers), "--seconds",
                          str(args.seconds), "--warmup", str(args.warmup)],
                         capture_output=True, text=True, check=True)
    sampler.stop.set()
    sampler.join()
    result = json.loads(out.stdout)
    result["aetherd_cpu_share"] = (sampler.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    result["aetherd_peak_rss_mb"] = sampler.peak_rss_mb
    result["lost"] = result["lost_gaps"] + result["lost_notices"]
    time.sleep(1)  # the server notices the readers left
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(("Threads:", "VmRSS:")):
            result["aetherd_after_" + line.split(":")[0].lower()] = int(line.split()[1])
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--followers", type=int, default=200)
    p.add_argument("--sweep", default="", help="extra follower counts, e.g. 50,100")
    p.add_argument("--rate", type=int, default=10000, help="lines per second, whole app")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--bin", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default="")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="aether-logbench-")
    env = dict(os.environ, XDG_CONFIG_HOME=f"{work}/config", XDG_CACHE_HOME=f"{work}/cache",
               NO_COLOR="1")
    api, router = free_port(), free_port()
    daemon = subprocess.Popen([f"{args.bin}/apps/aetherd", "--data-dir", f"{work}/data", "--port",
                               str(api), "--router-port", str(router)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ok(f"http://127.0.0.1:{api}/healthz")
        token = open(f"{work}/data/admin.token").read().strip()
        cli = lambda *a, **kw: subprocess.run([f"{args.bin}/apps/aether", *a], env=env, check=True,
                                              stdout=subprocess.DEVNULL, **kw)
        cli("login", "--server", f"http://127.0.0.1:{api}", "--token", token)
        app = f"{work}/log-spammer"
        shutil.copytree(f"{ROOT}/bench/apps/log-spammer", app)
        cli("apps", "create", "log-spammer")
        cli("deploy", cwd=app)
        cli("env", "set", f"RATE={args.rate // 2}", "--app", "log-spammer")
        cli("scale", "2", "--app", "log-spammer")
        time.sleep(1)
        baseline = measure(args, api, token, 1, daemon.pid)
        sweep = [measure(args, api, token, int(n), daemon.pid)
                 for n in args.sweep.split(",") if n.strip()]
        loaded = measure(args, api, token, args.followers, daemon.pid)
    finally:
        # SIGTERM alone leaves the apps running for the next aetherd: delete the app first.
        subprocess.run([f"{args.bin}/apps/aether", "apps", "delete", "log-spammer", "--yes"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

    report = {
        "benchmark": "log-fanout",
        "runtime": "local",
        "app_rate_lines_per_s": args.rate,
        "instances": 2,
        "seconds": args.seconds,
        "baseline_1_follower": baseline,
        "sweep": sweep,
        f"followers_{args.followers}": loaded,
        "ratio_p99_loaded_vs_baseline": loaded["p99_ms"] / baseline["p99_ms"] if baseline["p99_ms"] else None,
        "target": "p99 < 50 ms, 0 lost",
        "target_met": loaded["p99_ms"] < 50 and loaded["lost"] == 0 and loaded["follower_errors"] == 0,
        "machine_cores": os.cpu_count(),
    }
    print(f"\nLog fan-out, local runtime: {args.rate} lines/s from 2 instances, {args.seconds:.0f} s "
          f"measured after {args.warmup:.0f} s warm-up\n")
    print(f"{'followers':>10}{'received':>12}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'lost':>8}{'errors':>8}{'aetherd cpu':>13}{'rss MB':>9}")
    for r in (baseline, *sweep, loaded):
        print(f"{r['followers']:>10}{r['lines_received']:>12}{r['p50_ms']:>9.2f}{r['p90_ms']:>9.2f}"
              f"{r['p99_ms']:>9.2f}{r['max_ms']:>9.1f}{r['lost']:>8}{r['follower_errors']:>8}"
              f"{r['aetherd_cpu_share'] * 100:>12.0f}%{r['aetherd_peak_rss_mb']:>9.0f}")
    print(f"\np99 ratio {args.followers} followers / 1 follower: "
          f"{report['ratio_p99_loaded_vs_baseline']:.2f}; target p99 < 50 ms with 0 lost: "
          f"{'met' if report['target_met'] else 'NOT met'}")
    emit_report(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
