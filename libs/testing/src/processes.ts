import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pollUntil } from './poll-until';

const ROOT = resolve(__dirname, '../../..');

/** Compiles (tsc) and bundles the services once, so that processes started in parallel do not each try to. */
export function buildServices(): void {
  require(join(ROOT, 'scripts/run-compiled.js')).bundleServices();
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

export interface RunningProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts one of our services as its own process and waits until it reports ready. */
export async function startService(
  name: 'standalone' | 'ingest' | 'decisions' | 'registration' | 'capi',
  env: Record<string, string>,
  port?: number,
  nodeArgs: string[] = [],
  readyTimeoutMs = 120_000,
): Promise<RunningProcess> {
  return startScript(name, [join(ROOT, 'scripts/service.js'), name], env, port, nodeArgs, readyTimeoutMs);
}

/** `npm start` as a user runs it (scripts/start.js: the standalone), waiting until it reports ready. */
export function startNpmStart(env: Record<string, string>, port?: number, readyTimeoutMs = 120_000): Promise<RunningProcess> {
  return startScript('npm start', [join(ROOT, 'scripts/start.js')], env, port, [], readyTimeoutMs);
}

async function startScript(name: string, script: string[], env: Record<string, string>, port: number | undefined, nodeArgs: string[], readyTimeoutMs: number): Promise<RunningProcess> {
  const listen = port ?? (await freePort());
  // The young generation and malloc threshold npm start and the Docker image run services with (libs/config/src/shipped-node-flags.spec.ts).
  const proc = spawn(process.execPath, ['--max-semi-space-size=16', ...nodeArgs, ...script], {
    cwd: ROOT,
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', LAPI_LISTEN_ADDR: '127.0.0.1', LAPI_PORT: String(listen), LAPI_METRICS_PORT: '0', LAPI_LOG_FORMAT: 'json', LAPI_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  proc.stdout!.on('data', (c) => out.push(String(c)));
  proc.stderr!.on('data', (c) => out.push(String(c)));
  // A replica may listen on another loopback address (127.0.0.2, …: several replicas on one port, as behind a DNS name).
  const host = env.LAPI_LISTEN_ADDR && env.LAPI_LISTEN_ADDR !== '0.0.0.0' ? env.LAPI_LISTEN_ADDR : '127.0.0.1';
  const url = `${env.LAPI_TLS_CERT_FILE ? 'https' : 'http'}://${host}:${listen}`;
  const running: RunningProcess = {
    url,
    port: listen,
    proc,
    output: () => out.join(''),
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
        proc.once('exit', (code) => done(code));
        proc.kill(signal);
      }),
  };
  try {
    // A fresh embedded database runs initdb inside PGlite first: tens of seconds on a loaded 2-core machine.
    // A process that exits will not become ready: fail then rather than at the timeout.
    const exited = () => proc.exitCode !== null || proc.signalCode !== null;
    await pollUntil(async () => exited() || (await readyStatus(`${url}/health/ready`)) === 200, `${name} to be ready`, { timeoutMs: readyTimeoutMs, intervalMs: 100 });
    if (exited()) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before it was ready`);
  } catch (e) {
    await running.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${running.output().slice(-3000)}`);
  }
  return running;
}

/** The readiness probe's status; over HTTPS the server certificate is not checked (tests check it themselves). */
function readyStatus(url: string): Promise<number> {
  if (url.startsWith('http:')) return fetch(url).then((r) => r.status);
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** The CA process (scripts/service.js ca): no port, so it is ready once it says it answers on NATS. */
export async function startCaProcess(env: Record<string, string>): Promise<Omit<RunningProcess, 'url' | 'port'>> {
  const proc = spawn(process.execPath, [join(ROOT, 'scripts/service.js'), 'ca'], {
    cwd: ROOT,
    env: { ...process.env, LAPI_LOG_FORMAT: 'json', LAPI_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  proc.stdout!.on('data', (c) => out.push(String(c)));
  proc.stderr!.on('data', (c) => out.push(String(c)));
  const running = {
    proc,
    output: () => out.join(''),
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<number | null>((done) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
        proc.once('exit', (code) => done(code));
        proc.kill(signal);
      }),
  };
  try {
    await pollUntil(() => {
      if (proc.exitCode !== null) throw new Error(`the CA exited with ${proc.exitCode}`);
      return out.join('').includes('answering signing requests');
    }, 'the CA process to be ready', { timeoutMs: 60_000, intervalMs: 100 });
  } catch (e) {
    await running.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${running.output().slice(-3000)}`);
  }
  return running;
}

/** A NATS server of the test's own (JetStream on, loopback, its own store), so it can be restarted. */
export async function startNats(port?: number, extraArgs: string[] = []): Promise<RunningProcess & { restart(): Promise<void> }> {
  const listen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'lapi-nats-'));
  let proc!: ChildProcess;
  const out: string[] = [];
  const launch = async () => {
    proc = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(listen), '-js', '-sd', dir, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (c) => out.push(String(c)));
    proc.stderr!.on('data', (c) => out.push(String(c)));
    await pollUntil(() => out.join('').includes('Server is ready'), 'nats-server to start', { timeoutMs: 10_000 });
  };
  await launch();
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<number | null>((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
      proc.once('exit', (code) => done(code));
      proc.kill(signal);
    });
  return {
    url: `nats://127.0.0.1:${listen}`,
    port: listen,
    get proc() {
      return proc;
    },
    output: () => out.join(''),
    stop,
    async restart() {
      await stop('SIGKILL');
      out.length = 0;
      await launch();
    },
  };
}

export interface OwnPostgres {
  /** Superuser URL of its `postgres` database. */
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Postgres server of the test's own, in a temporary directory on a free port: for tests that
 * stop or restart it, which must never touch the machine's server. Runs as user postgres when
 * started by root (Postgres refuses to run as root).
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().pop()!, 'bin');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lapi-pg-'));
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) await run('chown', ['postgres', dir]);
  const pg = (tool: string, args: string[]) => (asPostgres ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args));
  const data = join(dir, 'data');
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (action: string) => pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', action]);
  await ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('restart'),
    async stop() {
      await ctl('stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (c) => (err += String(c)));
    p.once('error', fail);
    p.once('exit', (code) => (code === 0 ? done() : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}
