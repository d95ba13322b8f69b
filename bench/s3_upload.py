#!/usr/bin/env python3
"""S3 upload throughput: `aether deploy` against `curl -T` to a presigned URL, same file.

Both upload the same large file to the same S3 server, interleaved in one run (A B A B …); the
report has the median MB/s of both and their ratio (target: CLI ≥ 0.9× curl). Prints a table
and a JSON report; never fails on timing (exit 1 only if something could not run at all).

The S3 server is a throwaway Ceph RGW (test/s3/rgw.sh) unless --endpoint names one; then the
bucket and credentials come from AETHER_ARTIFACT_BUCKET and AWS_* in the environment, and what
the run wrote under its prefix is deleted at the end.

What each side measures:
  CLI   `timings.upload` of `aether deploy --json --no-sbom`: GET app, POST /artifacts/missing,
        POST /artifacts/uploads (S3 CreateMultipartUpload + one presigned URL per 8 MiB part),
        the part PUTs (AETHER_UPLOAD_CONCURRENCY at a time where the CLI has it), POST
        …/complete (S3 ListParts, HEAD, CompleteMultipartUpload, HEAD; a GET and sha256 of
        the object only up to AETHER_S3_VERIFY_MAX_BYTES, 64 MiB). Bytes: the layers it
        uploaded (`uploaded_bytes`: the code layer, big.bin packed as tar.zst, a few KB more
        than the file). Below AETHER_MULTIPART_THRESHOLD (16 MiB) the CLI presigns, PUTs once
        and completes instead.
  curl  one `curl -T big.bin` PUT to the URL of POST /artifacts/presign (the CAS key of the
        file's digest; its signed x-amz-content-sha256 makes S3 hash the body); presign and
        complete are not in it. Bytes / seconds: curl's size_upload / time_total.

usage: bench/s3_upload.py [--rounds 3] [--warmup 1] [--size-mb 200] [--endpoint URL]
                          [--bin build/apps] [--json-out bench/results/s3_upload.json]
"""
import argparse, hashlib, json, math, os, platform, secrets, shutil, signal, statistics
import subprocess, sys, tempfile, time, urllib.parse, urllib.request

from benchlib import emit_report, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RGW = os.path.join(ROOT, "test", "s3", "rgw.sh")
RGW_DIR = "/tmp/aether-rgw-bench"
RGW_PORT = "17680"
TARGET = 0.9
PART_SIZE = 8 << 20  # aetherd's multipart part size (ArtifactService::kDefaultPartSize)
S3_ENV = ("AETHER_S3_ENDPOINT_URL", "AETHER_ARTIFACT_BUCKET", "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY", "AWS_REGION")


def log(msg):
    print(f"[s3_upload] {msg}", file=sys.stderr, flush=True)


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception as e:  # missing tool
        return f"unavailable ({e})"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def multipart_threshold():
    """The CLI's rule (cli/server_steps.cc): AETHER_MULTIPART_THRESHOLD when a positive number."""
    v = os.environ.get("AETHER_MULTIPART_THRESHOLD", "")
    return int(v) if v.isdigit() and int(v) > 0 else 16 << 20


def mbps(nbytes, seconds):
    return nbytes / seconds / 1e6 if seconds > 0 else 0.0


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.work = tempfile.mkdtemp(prefix="aether-s3bench-")
        self.data = os.path.join(self.work, "data")
        self.app = os.path.join(self.work, "app")
        self.big = os.path.join(self.app, "big.bin")
        self.rgw_started = False
        self.rgw_env = dict(os.environ, AETHER_RGW_DIR=RGW_DIR, AETHER_RGW_PORT=RGW_PORT)
        self.s3 = {}
        self.prefix = f"bench-{secrets.token_hex(4)}/"
        self.daemon = None
        self.daemon_log = None
        self.api = ""
        self.token = ""
        self.cli_env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.work, "cfg"),
                            XDG_CACHE_HOME=os.path.join(self.work, "cache"), NO_COLOR="1")
        for k in ("AETHER_SERVER", "AETHER_TOKEN"):
            self.cli_env.pop(k, None)

    # --- S3 server -------------------------------------------------------------------------
    def start_s3(self):
        if self.args.endpoint:
            missing = [k for k in ("AETHER_ARTIFACT_BUCKET", "AWS_ACCESS_KEY_ID",
                                   "AWS_SECRET_ACCESS_KEY") if not os.environ.get(k)]
            if missing:
                raise RuntimeError(f"--endpoint needs {', '.join(missing)} in the environment")
            self.s3 = {k: os.environ[k] for k in S3_ENV if os.environ.get(k)}
            self.s3["AETHER_S3_ENDPOINT_URL"] = self.args.endpoint.rstrip("/")
            self.s3.setdefault("AWS_REGION", "us-east-1")
            return
        # The OSD keeps objects in memory and this fixture runs no RGW garbage collection, so
        # every byte written stays; a full OSD makes RGW wait rather than fail. Room for each
        # round's CLI layer and curl object, with margin.
        rounds = self.args.rounds + self.args.warmup
        need = rounds * self.args.size_mb * (3 << 20) + (1 << 30)
        self.rgw_env.setdefault("AETHER_RGW_MEMSTORE_BYTES", str(max(2 << 30, need)))
        log(f"starting Ceph RGW on 127.0.0.1:{RGW_PORT} ({RGW_DIR}, memstore "
            f"{int(self.rgw_env['AETHER_RGW_MEMSTORE_BYTES']) >> 20} MiB)")
        self.rgw_started = True  # a failed start may leave daemons: stop runs either way
        subprocess.run(["bash", RGW, "start"], env=self.rgw_env, check=True)
        out = subprocess.run(["bash", RGW, "env"], env=self.rgw_env, check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].split("=", 1)
                self.s3[k] = v
        if "AETHER_S3_ENDPOINT_URL" not in self.s3:
            raise RuntimeError(f"rgw.sh env printed no endpoint: {out!r}")

    def s3_curl(self, method, key, query=""):
        """One SigV4-signed request by curl (as test/e2e/s3.sh does); returns (code, body)."""
        url = (f"{self.s3['AETHER_S3_ENDPOINT_URL']}/{self.s3['AETHER_ARTIFACT_BUCKET']}/"
               f"{urllib.parse.quote(key)}" + (f"?{query}" if query else ""))
        out = subprocess.run(
            ["curl", "-sS", "-X", method, "--aws-sigv4",
             f"aws:amz:{self.s3.get('AWS_REGION', 'us-east-1')}:s3", "--user",
             f"{self.s3['AWS_ACCESS_KEY_ID']}:{self.s3['AWS_SECRET_ACCESS_KEY']}",
             "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-w", "\n%{http_code}", url],
            capture_output=True, text=True, timeout=120)
        body, _, code = out.stdout.rpartition("\n")
        return int(code or 0), body

    def delete_prefix(self):
        """Deletes every key under our prefix (only on a server we did not start)."""
        import re
        deleted = 0
        for _ in range(100):  # pages of 1000
            q = "list-type=2&prefix=" + urllib.parse.quote(self.prefix, safe="")
            code, body = self.s3_curl("GET", "", q)
            if code != 200:
                raise RuntimeError(f"listing {self.prefix} returned HTTP {code}")
            keys = [k.replace("&amp;", "&") for k in re.findall(r"<Key>([^<]*)</Key>", body)]
            if not keys:
                break
            for k in keys:
                self.s3_curl("DELETE", k)
                deleted += 1
        log(f"deleted {deleted} object(s) under {self.prefix}")

    # --- aetherd and the CLI -----------------------------------------------------------------
    def start_aetherd(self):
        port, router = free_port(), free_port()
        env = dict(os.environ, **self.s3, AETHER_S3_PREFIX=self.prefix)
        env.pop("AETHER_BLOB_STORE", None)
        self.daemon_log = open(os.path.join(self.work, "aetherd.log"), "w")
        self.daemon = subprocess.Popen(
            [f"{self.bin}/aetherd", "--data-dir", self.data, "--port", str(port),
             "--router-port", str(router), "--stop-apps-on-exit"],
            env=env, stdout=self.daemon_log, stderr=subprocess.STDOUT)
        self.api = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 30
        while True:
            if self.daemon.poll() is not None:
                raise RuntimeError(f"aetherd exited ({self.daemon.returncode}):\n{self.tail_log()}")
            try:
                with urllib.request.urlopen(f"{self.api}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except Exception:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"aetherd never answered /healthz:\n{self.tail_log()}")
            time.sleep(0.05)
        text = open(os.path.join(self.work, "aetherd.log")).read()
        if "artifacts in S3 bucket" not in text:
            raise RuntimeError(f"aetherd did not pick the S3 blob store:\n{self.tail_log()}")
        self.token = open(os.path.join(self.data, "admin.token")).read().strip()
        subprocess.run([f"{self.bin}/aether", "login", "--server", self.api, "--token", self.token],
                       env=self.cli_env, check=True, stdout=subprocess.DEVNULL)

    def tail_log(self, n=20):
        try:
            return "".join(open(os.path.join(self.work, "aetherd.log")).readlines()[-n:])
        except OSError:
            return ""

    def make_app(self):
        shutil.copytree(os.path.join(ROOT, "examples", "sample-node"), self.app,
                        ignore=shutil.ignore_patterns("node_modules"))
        chunk = 1 << 20
        with open(self.big, "wb") as f:
            for _ in range(self.args.size_mb):
                f.write(os.urandom(chunk))

    def freshen(self):
        """New random first 4 KiB: a new digest, so nothing is deduplicated."""
        with open(self.big, "r+b") as f:
            f.write(os.urandom(4096))
            f.flush()
            os.fsync(f.fileno())

    def run_cli(self):
        out = subprocess.run([f"{self.bin}/aether", "deploy", "--json", "--no-sbom"], cwd=self.app,
                             env=self.cli_env, capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise RuntimeError(f"aether deploy failed ({out.returncode}): {out.stderr.strip()}")
        rep = json.loads(out.stdout)
        if rep.get("status") != "running":
            raise RuntimeError(f"deploy ended {rep.get('status')}: {rep.get('reason', '')}")
        fresh = [l for l in rep.get("layers", []) if not l.get("cached")]
        layer_bytes = sum(l.get("size", 0) for l in fresh)
        nbytes = rep.get("uploaded_bytes", layer_bytes)
        ms = rep["timings"]["upload"]
        return {"upload_ms": ms, "bytes": nbytes, "uncached_layer_bytes": layer_bytes,
                "uploaded_layers": rep.get("uploaded_layers"),
                "skipped_layers": rep.get("skipped_layers"),
                "layers": [{k: l.get(k) for k in ("role", "size", "cached")}
                           for l in rep.get("layers", [])],
                "timings_ms": rep.get("timings", {}),
                "server_phases": rep.get("server_phases", []),
                "mb_s": mbps(nbytes, ms / 1000)}

    def run_curl(self):
        h = hashlib.sha256()
        size = 0
        with open(self.big, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
                size += len(block)
        body = json.dumps({"digest": f"sha256:{h.hexdigest()}", "size": size}).encode()
        req = urllib.request.Request(f"{self.api}/artifacts/presign", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            url = json.loads(r.read())
        # --max-time: a full OSD makes RGW wait instead of failing.
        cmd = ["curl", "-sS", "--max-time", "600", "-o", os.path.join(self.work, "curl.out"),
               "-T", self.big,
               "-X", url.get("method", "PUT"),
               "-w", "%{http_code} %{time_total} %{size_upload}"]
        for k, v in url.get("headers", {}).items():
            cmd += ["-H", f"{k}: {v}"]
        out = subprocess.run(cmd + [url["url"]], capture_output=True, text=True, timeout=900)
        code, secs, sent = out.stdout.split()
        if out.returncode != 0 or code != "200":
            detail = open(os.path.join(self.work, "curl.out"), errors="replace").read()[:500]
            raise RuntimeError(f"curl PUT returned {code} (rc {out.returncode}): "
                               f"{out.stderr.strip()} {detail}")
        secs, sent = float(secs), int(float(sent))
        return {"seconds": secs, "bytes": sent, "file_bytes": size, "mb_s": mbps(sent, secs)}

    # --- cleanup ---------------------------------------------------------------------------
    def kill_leftovers(self):
        """What test/e2e/run.sh does with `pkill -f $WORK/data`: every process whose command
        line names our data dir (the apps aetherd started), by pid."""
        needle = self.data.encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == os.getpid():
                continue
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if needle in f.read():
                        pids.append(int(d))
            except OSError:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            alive = []
            for pid in pids:
                try:
                    os.kill(pid, sig)
                    alive.append(pid)
                except ProcessLookupError:
                    pass
            if not alive:
                return
            time.sleep(0.5)
            pids = alive

    def cleanup(self):
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        if self.daemon_log is not None:
            self.daemon_log.close()
        self.kill_leftovers()
        if self.args.endpoint and self.s3:
            try:
                self.delete_prefix()
            except Exception as e:
                log(f"could not delete {self.prefix} on the server: {e}")
        if self.rgw_started:
            subprocess.run(["bash", RGW, "stop"], env=self.rgw_env)
        shutil.rmtree(self.work, ignore_errors=True)


def build_info(b):
    """Which source the binaries come from: the repo's commit, uncommitted changes, mtimes."""
    def git(*a):
        out = subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(status) if status is not None else None,
            "binaries_mtime": {t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(
                os.path.getmtime(f"{b.bin}/{t}"))) for t in ("aether", "aetherd")}}


def environment(args, b):
    size = os.path.getsize(b.big) if os.path.exists(b.big) else args.size_mb << 20
    return {
        "build": build_info(b),
        "machine": {"cores": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release(),
                    "python": platform.python_version()},
        "tools": {"aether": first_line([f"{b.bin}/aether", "--version"]),
                  "curl": first_line(["curl", "--version"]),
                  "radosgw": first_line(["radosgw", "--version"]) if not args.endpoint else None},
        "s3": {"endpoint": b.s3.get("AETHER_S3_ENDPOINT_URL"),
               "bucket": b.s3.get("AETHER_ARTIFACT_BUCKET"), "prefix": b.prefix,
               "server": "external (--endpoint)" if args.endpoint else
               "Ceph RGW, test/s3/rgw.sh (memstore OSD, beast frontend)"},
        "file_bytes": size,
        "part_size": PART_SIZE,
        "env": {k: os.environ.get(k) for k in ("AETHER_MULTIPART_THRESHOLD",
                                               "AETHER_UPLOAD_CONCURRENCY",
                                               "AETHER_S3_VERIFY_MAX_BYTES")},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--size-mb", type=int, default=200, help="size of big.bin in MiB")
    p.add_argument("--warmup", type=int, default=1,
                   help="untimed A B rounds first (the first deploy also creates the app)")
    p.add_argument("--endpoint", default="",
                   help="an existing S3 endpoint (bucket and AWS_* from the environment)")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "apps"))
    p.add_argument("--json-out", default=os.path.join(ROOT, "bench", "results", "s3_upload.json"))
    args = p.parse_args()
    if args.rounds < 1 or args.size_mb < 1 or args.warmup < 0:
        p.error("--rounds and --size-mb must be positive, --warmup not negative")
    for tool in ("aetherd", "aether"):
        if not os.access(os.path.join(args.bin, tool), os.X_OK):
            p.error(f"{args.bin}/{tool} is missing: build first (bash scripts/build.sh)")

    def on_term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)

    t_start = time.monotonic()
    b = Bench(args)
    rounds, warmups = [], []
    try:
        b.start_s3()
        b.start_aetherd()
        log(f"aetherd on {b.api}, S3 {b.s3['AETHER_S3_ENDPOINT_URL']} bucket "
            f"{b.s3['AETHER_ARTIFACT_BUCKET']} prefix {b.prefix}")
        b.make_app()
        env = environment(args, b)
        for i in range(1 - args.warmup, args.rounds + 1):
            b.freshen()
            a = b.run_cli()
            c = b.run_curl()
            r = {"round": i, "cli": a, "curl": c, "ratio": a["mb_s"] / c["mb_s"]}
            (warmups if i < 1 else rounds).append(r)
            label = f"warm-up {i + args.warmup}" if i < 1 else f"round {i}"
            log(f"{label}: CLI {a['mb_s']:.1f} MB/s "
                f"({a['upload_ms']} ms), curl {c['mb_s']:.1f} MB/s ({c['seconds']:.3f} s)")
        layer = int(statistics.median(r["cli"]["bytes"] for r in rounds))
        env["cli_layer_bytes"] = layer
        env["parts"] = math.ceil(layer / PART_SIZE)
        env["last_part_bytes"] = layer - (env["parts"] - 1) * PART_SIZE
        env["multipart"] = layer >= multipart_threshold()
    except BaseException as e:  # also Ctrl-C and SIGTERM (SystemExit)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        log(f"failed: {e!r}; cleaning up")
        b.cleanup()
        return 1
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the cleanup finish
    b.cleanup()
    wall = time.monotonic() - t_start

    cli = [r["cli"]["mb_s"] for r in rounds]
    crl = [r["curl"]["mb_s"] for r in rounds]
    ratio = statistics.median(cli) / statistics.median(crl)
    paired = statistics.median(r["ratio"] for r in rounds)
    report = {
        "benchmark": "s3-upload-throughput",
        "what": "aether deploy upload phase (presigned multipart parts, create, complete) vs "
                "curl -T of the same file to a presigned S3 URL of the same server, interleaved",
        "environment": env,
        "rounds": rounds,
        "warmup_rounds": warmups,
        "cli_mb_s": {"median": statistics.median(cli), "min": min(cli), "max": max(cli)},
        "curl_mb_s": {"median": statistics.median(crl), "min": min(crl), "max": max(crl)},
        "ratio_cli_vs_curl": ratio,
        "ratio_paired": paired,
        "target": TARGET,
        "target_met": ratio >= TARGET,
        "wall_seconds": wall,
        "units": "MB = 10^6 bytes",
    }

    mib = env["file_bytes"] / (1 << 20)
    print(f"\nUpload of a {mib:.0f} MiB incompressible file to S3 "
          f"({env['s3']['server']}), {args.rounds} rounds after {args.warmup} warm-up, "
          f"MB/s (10^6 bytes/s)\n")
    print(f"{'round':>5}{'CLI MB/s':>11}{'CLI ms':>9}{'curl MB/s':>11}{'curl ms':>9}{'ratio':>8}")
    for r in rounds:
        print(f"{r['round']:>5}{r['cli']['mb_s']:>11.1f}{r['cli']['upload_ms']:>9.0f}"
              f"{r['curl']['mb_s']:>11.1f}{r['curl']['seconds'] * 1000:>9.0f}{r['ratio']:>8.2f}")
    print(f"{'median':>5}{report['cli_mb_s']['median']:>11.1f}{'':>9}"
          f"{report['curl_mb_s']['median']:>11.1f}{'':>9}{ratio:>8.2f}")
    print(f"\nratio (median CLI / median curl): {ratio:.2f}× (paired {paired:.2f}×); "
          f"target ≥ {TARGET}×: {'met' if ratio >= TARGET else 'NOT met'}")
    if env["multipart"]:
        how = (f"{env['parts']} parts of {PART_SIZE >> 20} MiB (the last {env['last_part_bytes']} "
               f"bytes) plus create/complete")
    else:
        how = "one PUT (below AETHER_MULTIPART_THRESHOLD), plus presign/complete"
    print(f"CLI: {how}; curl: one PUT. Whole run {wall:.0f} s.")
    emit_report(report, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
