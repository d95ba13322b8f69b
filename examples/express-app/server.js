// express-app: an Express service with real production dependencies.
const express = require('express');
const helmet = require('helmet');
const pino = require('pino');

const log = pino({ level: process.env.LOG_LEVEL || 'info' });
const app = express();
const port = Number(process.env.PORT || 3000);
const version = require('./version.json').version;

app.use(helmet());
app.get('/', (req, res) => res.json({ message: 'Hello from express-app', version }));
app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.get('/items/:id', (req, res) => res.json({ id: req.params.id, version }));

// HOST: the local runtime passes 127.0.0.1, Kubernetes 0.0.0.0 (the pod's own address).
const server = app.listen(port, process.env.HOST || '127.0.0.1', () => log.info({ port, version }, 'listening'));

process.on('SIGTERM', () => {
  log.info('SIGTERM: draining');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});
