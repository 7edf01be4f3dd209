import { ChildProcess, spawn } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pollUntil } from './poll-until';
import { freePort } from './processes';

const SNIPPET = resolve(__dirname, '../../../deploy/nginx/lapi.conf');
const TLS_SNIPPET = resolve(__dirname, '../../../deploy/nginx/edge-tls.conf');
const LOCAL_RENDERER = resolve(__dirname, '../../../deploy/nginx/render-local.js');
const COMPOSE_UPSTREAMS = resolve(__dirname, '../../../deploy/nginx/upstreams.compose.conf');

/** TLS at the edge: deploy/nginx/edge-tls.conf with these files, on the edge's one port. */
export interface EdgeTls {
  certPath: string;
  keyPath: string;
  clientCaPath: string;
  crlPath: string;
}

function tlsSnippet(t: EdgeTls): string {
  return readFileSync(TLS_SNIPPET, 'utf8')
    .replace(/^#.*$/gm, '')
    .replace(/^listen .*$/m, '')
    .replace('/etc/lapi/tls/tls.crt', t.certPath)
    .replace('/etc/lapi/tls/tls.key', t.keyPath)
    .replace('/etc/lapi/client-ca/ca.pem', t.clientCaPath)
    .replace('/etc/lapi/client-ca/crl.pem', t.crlPath);
}

/** Each upstream's servers: loopback ports, or `address:port` (the multi-host bed). */
export interface EdgeUpstreams {
  ingest: (number | string)[];
  decisions: (number | string)[];
  registration: (number | string)[];
}

/** lapi.conf's server block on a port of its own, with TLS at the edge or none, comments left out. */
function shippedRouting(port: number, tls?: EdgeTls, listenHost = '127.0.0.1'): string {
  return readFileSync(SNIPPET, 'utf8')
    .replace(/listen 8080;/, `listen ${listenHost}:${port}${tls ? ' ssl' : ''};`)
    .replace('include /etc/nginx/lapi-tls.d/*.conf;', tls ? tlsSnippet(tls) : '')
    .replace(/^#.*$/gm, '');
}

/** A whole nginx.conf around an http-context snippet: foreground, temp files under `dir`. */
function wholeConfig(dir: string, http: string): string {
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t), { recursive: true });
  const conf = `daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${http}
}
`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
}

/**
 * deploy/nginx/lapi.conf on its own port, with upstream blocks on loopback ports named after the
 * services (kept alive) in place of a deployment's resolver: the routing under test is the shipped one.
 */
export function renderEdgeConfig(port: number, up: EdgeUpstreams, dir: string, tls?: EdgeTls, listenHost = '127.0.0.1'): string {
  const server = (p: number | string) => `    server ${typeof p === 'number' ? `127.0.0.1:${p}` : p};`;
  const upstream = (name: keyof EdgeUpstreams) => `upstream ${name} {\n${up[name].map(server).join('\n')}\n    keepalive 32;\n    keepalive_timeout 60s;\n}`;
  const where = ['map $lapi_service $lapi_upstream { default $lapi_service; }', upstream('ingest'), upstream('registration'), upstream('decisions')].join('\n');
  return wholeConfig(dir, `${shippedRouting(port, tls, listenHost)}\n${where}`);
}

/**
 * The edge as docker-compose.yml runs it: deploy/nginx/lapi.conf with
 * deploy/nginx/upstreams.compose.conf, whose resolver (Docker's 127.0.0.11) is `dns` instead and
 * whose services listen on `servicePort` instead of 8080.
 */
export function renderComposeEdgeConfig(port: number, dns: { host: string; port: number }, servicePort: number, dir: string): string {
  const upstreams = readFileSync(COMPOSE_UPSTREAMS, 'utf8').replace(/^#.*$/gm, '');
  if (!upstreams.includes('resolver 127.0.0.11 ') || !upstreams.includes(':8080;')) throw new Error(`${COMPOSE_UPSTREAMS} no longer names 127.0.0.11 and port 8080`);
  const local = upstreams.replace('resolver 127.0.0.11 ', `resolver ${dns.host}:${dns.port} `).replace(':8080;', `:${servicePort};`);
  return wholeConfig(dir, `${shippedRouting(port)}\n${local}`);
}

/** A status code; over HTTPS the edge's certificate is not checked (the tests check it themselves). */
function statusOf(url: string): Promise<number> {
  if (url.startsWith('http:')) return fetch(url).then((r) => r.status);
  return new Promise((done, fail) => {
    httpsGet(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    }).on('error', fail);
  });
}

export interface Edge {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Runs nginx with a rendered config and waits until it answers on `url`. */
async function runNginx(args: string[], url: string): Promise<Edge> {
  const proc = spawn('/usr/sbin/nginx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c) => (err += String(c)));
  try {
    await pollUntil(async () => {
      if (proc.exitCode !== null) throw new Error(`nginx exited: ${err}`);
      return (await statusOf(`${url}/nothing`).catch(() => undefined)) === 404;
    }, 'nginx to listen', { timeoutMs: 10_000 });
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    proc,
    stop: () =>
      new Promise((done) => {
        if (proc.exitCode !== null) return done();
        proc.once('exit', () => done());
        proc.kill('SIGQUIT');
      }),
  };
}

/** A temp directory nginx's workers (nobody) can reach, for its request-body temp files. */
function edgeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-edge-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Debian's nginx as docker-compose.yml runs it, its resolver a DNS server of the test's (renderComposeEdgeConfig). */
export async function startComposeEdge(dns: { host: string; port: number }, servicePort: number): Promise<Edge> {
  const port = await freePort();
  const dir = edgeDir();
  return runNginx(['-c', renderComposeEdgeConfig(port, dns, servicePort, dir), '-p', dir], `http://127.0.0.1:${port}`);
}

/** Debian's nginx in front of our services, with the project's routing. */
export async function startEdge(up: EdgeUpstreams, tls?: EdgeTls): Promise<Edge> {
  const port = await freePort();
  const dir = edgeDir();
  const conf = renderEdgeConfig(port, up, dir, tls);
  return runNginx(['-c', conf, '-p', dir], `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
}

interface RenderLocal {
  renderLocalConfig(o: EdgeUpstreams & { edgePort: number; dir: string }): string;
  nginxArgs(confPath: string): string[];
}

/** The edge as deploy/nginx/lapi.local.conf.template renders it (render-local.js), plain HTTP. */
export async function startLocalEdge(up: EdgeUpstreams): Promise<Edge> {
  const { renderLocalConfig, nginxArgs } = require(LOCAL_RENDERER) as RenderLocal;
  const edgePort = await freePort();
  const conf = renderLocalConfig({ ...up, edgePort, dir: edgeDir() });
  return runNginx(nginxArgs(conf), `http://127.0.0.1:${edgePort}`);
}
