// Benchmark app for bench/log_fanout.py: serves /ready and writes RATE lines per second to
// stdout, each "seq=<n> t=<unix ns at write>", in batches every millisecond so the rate holds.
"use strict";
const http = require("http");
const { performance } = require("perf_hooks");

const rate = Number(process.env.RATE || 5000);
const padding = "x".repeat(Number(process.env.PAD || 40));
http.createServer((req, res) => res.end("ok\n")).listen(Number(process.env.PORT || 3000),
  process.env.HOST || "127.0.0.1");

let seq = 0;
const start = performance.now();
function tick() {
  const due = Math.floor(((performance.now() - start) / 1000) * rate);
  if (due > seq) {
    const now = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
    let out = "";
    while (seq < due) out += `seq=${seq++} t=${now} ${padding}\n`;
    process.stdout.write(out);
  }
  setTimeout(tick, 1);
}
tick();
