// sample-node: a dependency-free HTTP service with health and readiness endpoints.
const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const version = require('./version.json').version;
// Names this process: `pid` is the one inside the app sandbox's pid namespace (the same in
// every instance there).
const instance = require('node:crypto').randomUUID();
let ready = false;

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.url === '/ready') return send(res, ready ? 200 : 503, { ready });
  if (req.url === '/') {
    const greeting = process.env.GREETING || null; // a config var: `aether env set GREETING=hi`
    return send(res, 200, { message: 'Hello from sample-node', version, pid: process.pid, instance, greeting });
  }
  send(res, 404, { error: 'not found', path: req.url });
});

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

// HOST: the local runtime passes 127.0.0.1, Kubernetes 0.0.0.0 (the pod's own address).
server.listen(port, process.env.HOST || '127.0.0.1', () => {
  ready = true;
  console.log(`sample-node ${version} listening on ${port}`);
});

// Graceful stop: finish in-flight requests, then exit.
process.on('SIGTERM', () => {
  ready = false;
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});
