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

export interface EdgeUpstreams {
  ingest: number[];
  decisions: number[];
  registration: number[];
}

/** deploy/nginx/lapi.conf with its upstreams on loopback ports and its own port: the routing under test is the shipped one. */
export function renderEdgeConfig(port: number, up: EdgeUpstreams, dir: string, tls?: EdgeTls): string {
  const servers = (ports: number[]) => ports.map((p) => `server 127.0.0.1:${p};`).join('\n        ');
  let snippet = readFileSync(SNIPPET, 'utf8')
    .replace(/listen 8080;/, `listen 127.0.0.1:${port}${tls ? ' ssl' : ''};`)
    .replace('include /etc/nginx/lapi-tls.d/*.conf;', tls ? tlsSnippet(tls) : '')
    .replace(/upstream (\w+) \{\n((?:\s+server [^\n]+\n)+)/g, (_m, name: keyof EdgeUpstreams) => `upstream ${name} {\n        ${servers(up[name])}\n`);
  snippet = snippet.replace(/^#.*$/gm, '');
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
${snippet}
}
`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
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
