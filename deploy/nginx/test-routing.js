'use strict';
// Checks the edge routing with the real nginx and stand-in backends, no database or NATS needed:
//   node deploy/nginx/test-routing.js            (needs /usr/sbin/nginx: apt-get install -y nginx)
// Renders lapi.local.conf.template with render-local.js, starts nginx in front of four tiny HTTP
// servers on loopback ports (ingest, registration, decisions-1, decisions-2) that answer with their
// own name, then checks every method+path of the routing table, the JSON 404, forwarded headers,
// round robin and fail-over between the decisions replicas, a 31 MB body, per-route body limits
// (login 64 KiB, GET 1 KiB: JSON 413 above), a 64 MB reply, JSON 502, and keep-alive to upstreams.
// apps/standalone/test/edge-body-limits.e2e-spec.ts checks every route's limit against the table. Stops everything it started. Exit code 0 when all pass.
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { renderLocalConfig, nginxArgs } = require('./render-local');

const NGINX = process.env.NGINX || '/usr/sbin/nginx';
const BIG_REPLY = 64 * 1024 * 1024;

function backend(name) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    sockets.add(req.socket);
    let bytes = 0;
    req.on('data', (c) => (bytes += c.length));
    req.on('end', () => {
      res.setHeader('x-service', name);
      res.setHeader('content-type', 'application/json');
      if (req.url.includes('big=1')) {
        // A large reply written in chunks, like a stream startup.
        res.setHeader('content-length', BIG_REPLY);
        const chunk = Buffer.alloc(1024 * 1024, 'x');
        let sent = 0;
        const write = () => {
          while (sent < BIG_REPLY) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', write);
          }
          res.end();
        };
        return write();
      }
      res.end(
        JSON.stringify({
          service: name,
          method: req.method,
          url: req.url,
          host: req.headers.host,
          xff: req.headers['x-forwarded-for'],
          xRealIp: req.headers['x-real-ip'],
          xProto: req.headers['x-forwarded-proto'],
          xClientCert: req.headers['x-client-cert'],
          connection: req.headers.connection,
          bodyBytes: bytes,
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ name, server, port: server.address().port, sockets, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) })),
  );
}

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function request(base, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${p}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) } }, (res) => {
      let bytes = 0;
      const chunks = [];
      res.on('data', (c) => {
        bytes += c.length;
        if (chunks.length < 4) chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, bytes, text, json });
      });
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** The Kubernetes base's edge config (its ConfigMap is generated from this file). */
function k8sEdgeConf() {
  return fs.readFileSync(path.join(__dirname, '../k8s/base/edge/lapi.conf'), 'utf8');
}

async function main() {
  const shippedConf = fs.readFileSync(path.join(__dirname, 'lapi.conf'), 'utf8');
  const k8sSame = k8sEdgeConf() === shippedConf;
  console.log(`${k8sSame ? 'ok  ' : 'FAIL'} deploy/k8s/base/edge/lapi.conf is deploy/nginx/lapi.conf verbatim`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapi-edge-routing-'));
  const [ingest, registration, d1, d2] = await Promise.all([backend('ingest'), backend('registration'), backend('decisions-1'), backend('decisions-2')]);
  const backends = [ingest, registration, d1, d2];
  const edgePort = await freePort();
  const conf = renderLocalConfig({ edgePort, ingest: [ingest.port], registration: [registration.port], decisions: [d1.port, d2.port], dir });
  const base = `http://127.0.0.1:${edgePort}`;

  let nginxErr = '';
  const nginx = spawn(NGINX, nginxArgs(conf), { stdio: ['ignore', 'ignore', 'pipe'] });
  nginx.stderr.on('data', (c) => (nginxErr += String(c)));

  const results = [{ label: 'k8s ConfigMap = lapi.conf', ok: k8sSame }];
  const check = (label, ok, detail) => {
    results.push({ label, ok });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${ok ? '' : `  -> ${detail}`}`);
  };

  try {
    for (let i = 0; ; i++) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${nginxErr}`);
      const up = await request(base, 'GET', '/').then(() => true, () => false);
      if (up) break;
      if (i > 100) throw new Error(`nginx did not listen: ${nginxErr}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const routes = [
      ['POST', '/v1/watchers', 'registration'],
      ['DELETE', '/v1/watchers/self', 'registration'],
      ['POST', '/v1/watchers/login', 'ingest'],
      ['POST', '/v1/ca/enroll', 'registration'],
      ['POST', '/v1/ca/renew', 'registration'],
      ['GET', '/v1/heartbeat', 'ingest'],
      ['HEAD', '/v1/heartbeat', 'ingest'],
      ['GET', '/v1/alerts?limit=1&has_active_decision=true', 'ingest'],
      ['HEAD', '/v1/alerts', 'ingest'],
      ['POST', '/v1/alerts', 'ingest'],
      ['DELETE', '/v1/alerts?origin=cscli', 'ingest'],
      ['GET', '/v1/alerts/42', 'ingest'],
      ['HEAD', '/v1/alerts/42', 'ingest'],
      ['DELETE', '/v1/alerts/42', 'ingest'],
      ['DELETE', '/v1/decisions?ip=192.0.2.1', 'ingest'],
      ['DELETE', '/v1/decisions/7', 'ingest'],
      ['GET', '/v1/decisions?ip=192.0.2.1', 'decisions'],
      ['HEAD', '/v1/decisions', 'decisions'],
      ['GET', '/v1/decisions/stream?startup=true', 'decisions'],
      ['HEAD', '/v1/decisions/stream', 'decisions'],
      ['GET', '/health', 'decisions'],
      ['HEAD', '/health', 'decisions'],
    ];
    for (const [method, p, want] of routes) {
      const res = await request(base, method, p, method === 'POST' ? { body: Buffer.from('{}') } : {});
      const got = res.headers['x-service'] ?? `status ${res.status}`;
      const ok = res.status === 200 && (want === 'decisions' ? /^decisions-[12]$/.test(got) : got === want) && (method === 'HEAD' || res.json?.url === p);
      check(`${method} ${p} -> ${want}`, ok, `${got} ${res.text.slice(0, 200)}`);
    }

    const notFound = [
      ['GET', '/'],
      ['GET', '/v1/watchers'],
      ['PUT', '/v1/watchers'],
      ['GET', '/v1/watchers/self'],
      ['DELETE', '/v1/watchers/other'],
      ['GET', '/v1/watchers/login'],
      ['POST', '/v1/watchers/'],
      ['GET', '/v1/ca/enroll'],
      ['POST', '/v1/ca/other'],
      ['GET', '/v1/decisions/'],
      ['GET', '/v1/alerts/42/x'],
      ['POST', '/v1/decisions'],
      ['POST', '/v1/decisions/stream'],
      ['PUT', '/v1/alerts'],
      ['PATCH', '/v1/alerts/1'],
      ['POST', '/v1/heartbeat'],
      ['GET', '/v1/decisionsX'],
      ['GET', '/v1/decisions/stream/x'],
      ['GET', '/v1/nothing'],
      ['GET', '/v2/decisions'],
      ['GET', '/health/ready'],
      ['GET', '/metrics'],
      // The internal locations holding the body limits.
      ['GET', '/.lapi-body-limit/1k'],
      ['POST', '/.lapi-body-limit/32m'],
    ];
    for (const [method, p] of notFound) {
      const res = await request(base, method, p);
      const ok = res.status === 404 && res.headers['x-service'] === undefined && /^application\/json/.test(res.headers['content-type'] ?? '') && res.json?.message === 'not found';
      check(`${method} ${p} -> 404 {"message":"not found"}`, ok, `${res.status} ${res.headers['content-type']} ${res.text.slice(0, 200)}`);
    }

    {
      const res = await request(base, 'GET', '/v1/decisions/stream', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-client-cert': 'forged', host: 'lapi.example.com:8080' } });
      const j = res.json ?? {};
      check("a client's own X-Client-Cert dropped (no verified certificate on plain HTTP)", j.xClientCert === undefined, j.xClientCert);
      check('X-Forwarded-For from the client replaced by the peer ("127.0.0.1")', j.xff === '127.0.0.1', j.xff);
      check('X-Real-IP is the peer (127.0.0.1)', j.xRealIp === '127.0.0.1', j.xRealIp);
      check('Host passed (lapi.example.com)', j.host === 'lapi.example.com', j.host);
      check('X-Forwarded-Proto http', j.xProto === 'http', j.xProto);
      check('upstream connection kept alive (no "Connection: close")', j.connection === undefined || j.connection === 'keep-alive', j.connection);
      const plain = (await request(base, 'POST', '/v1/watchers/login', { body: Buffer.from('{}') })).json ?? {};
      check('X-Forwarded-For without one from the client: "127.0.0.1"', plain.xff === '127.0.0.1', plain.xff);
    }

    {
      const seen = new Set();
      for (let i = 0; i < 8; i++) seen.add((await request(base, 'GET', '/v1/decisions/stream')).headers['x-service']);
      check('round robin over decisions-1 and decisions-2', seen.has('decisions-1') && seen.has('decisions-2'), [...seen].join(','));
    }

    {
      const body = Buffer.alloc(31 * 1024 * 1024, 'a');
      const res = await request(base, 'POST', '/v1/alerts', { body });
      check('31 MB request body reaches ingest whole', res.status === 200 && res.json?.bodyBytes === body.length, `${res.status} ${res.text.slice(0, 200)}`);
      const big = await request(base, 'POST', '/v1/alerts', { body: Buffer.alloc(33 * 1024 * 1024, 'a') });
      check('33 MB body -> 413 JSON', big.status === 413 && big.json?.message === 'request body too large', `${big.status} ${big.text.slice(0, 200)}`);
      const login = await request(base, 'POST', '/v1/watchers/login', { body: Buffer.alloc(64 * 1024, 'a') });
      check('64 KiB login body reaches ingest whole', login.status === 200 && login.json?.bodyBytes === 64 * 1024, `${login.status} ${login.text.slice(0, 200)}`);
      const bigLogin = await request(base, 'POST', '/v1/watchers/login', { body: Buffer.alloc(64 * 1024 + 1, 'a') });
      check('64 KiB + 1 login body -> 413 JSON', bigLogin.status === 413 && bigLogin.json?.message === 'request body too large', `${bigLogin.status} ${bigLogin.text.slice(0, 200)}`);
      const search = await request(base, 'GET', '/v1/alerts', { body: Buffer.alloc(1025, 'a') });
      check('GET /v1/alerts with 1 KiB + 1 of body -> 413 JSON (POST takes 32 MiB)', search.status === 413 && search.json?.message === 'request body too large', `${search.status} ${search.text.slice(0, 200)}`);
    }

    {
      const res = await request(base, 'GET', '/v1/decisions/stream?startup=true&big=1');
      check('64 MB reply relayed whole', res.status === 200 && res.bytes === BIG_REPLY, `${res.status} ${res.bytes} bytes`);
      const spooled = fs.readdirSync(path.join(dir, 'tmp', 'proxy'));
      check('reply not spooled to disk (proxy temp dir empty)', spooled.length === 0, spooled.join(','));
    }

    {
      const before = ingest.sockets.size;
      for (let i = 0; i < 10; i++) await request(base, 'GET', '/v1/heartbeat');
      const opened = ingest.sockets.size - before;
      check('keep-alive: 10 requests to ingest over at most 1 new upstream connection', opened <= 1, `${opened} new connections`);
    }

    {
      await d2.close();
      let allOk = true;
      for (let i = 0; i < 6; i++) {
        const res = await request(base, 'GET', '/v1/decisions');
        if (res.status !== 200 || res.headers['x-service'] !== 'decisions-1') allOk = false;
      }
      check('decisions-2 down: GETs fail over to decisions-1', allOk, 'a GET did not reach decisions-1');
      await registration.close();
      const res = await request(base, 'POST', '/v1/watchers', { body: Buffer.from('{}') });
      check('registration down: POST /v1/watchers -> 502 JSON', res.status === 502 && res.json?.message === 'upstream service unavailable', `${res.status} ${res.text.slice(0, 200)}`);
    }
  } finally {
    if (nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      const t = setTimeout(() => nginx.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await Promise.all(backends.map((b) => (b.server.listening ? b.close() : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
