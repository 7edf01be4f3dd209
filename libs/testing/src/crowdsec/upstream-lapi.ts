import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pollUntil } from '../poll-until';
import { createOutputBuffer, hasExited, stopProcess } from './child-process';
import { CROWDSEC_BIN, baseConfig, prepareDir, serverSection, writeYaml } from './crowdsec-config';
import { Cscli, createCscli } from './cscli';

export interface UpstreamLapiOptions {
  port: number;
  dir?: string;
  /** sqlite file; dir/data/crowdsec.db by default. */
  dbPath?: string;
  readyTimeoutMs?: number;
  env?: Record<string, string>;
}

export interface UpstreamLapi {
  url: string;
  dir: string;
  configPath: string;
  dbPath: string;
  proc: ChildProcess;
  /** Bound to this LAPI, with a validated machine of its own, and sharing its database (for machines/bouncers commands). */
  cscli: Cscli;
  /** `cscli bouncers add NAME -o raw`: the API key. */
  addBouncer(name: string): Promise<string>;
  output(): string;
  stop(): Promise<number | null>;
}

/** The real CrowdSec LAPI (crowdsec -no-cs) on 127.0.0.1:port: the reference our implementation is compared with. */
export async function startUpstreamLapi(opts: UpstreamLapiOptions): Promise<UpstreamLapi> {
  const dir = prepareDir('upstream-lapi', opts.dir);
  const dbPath = opts.dbPath ?? join(dir, 'data', 'crowdsec.db');
  const url = `http://127.0.0.1:${opts.port}`;
  const configPath = join(dir, 'config.yaml');
  // sqlite creates the file, not its directory.
  mkdirSync(dirname(dbPath), { recursive: true });
  writeLapiConfig(dir, configPath, dbPath, opts.port);

  const proc = spawn(CROWDSEC_BIN, ['-c', configPath, '-no-cs'], { cwd: dir, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createOutputBuffer();
  proc.stdout!.on('data', out.push);
  proc.stderr!.on('data', out.push);
  const stop = () => stopProcess(proc);
  try {
    await waitUntilListening(proc, url, opts.readyTimeoutMs ?? 30_000);
  } catch (e) {
    await stop();
    throw new Error(`upstream LAPI did not start: ${(e as Error).message}\n${out.text().slice(-4000)}`);
  }
  const cscli = createCscli({ url, dir: join(dir, 'cscli'), dbPath });
  await addLocalMachine(cscli);
  return { url, dir, configPath, dbPath, proc, cscli, addBouncer: (name) => addBouncer(cscli, name), output: out.text, stop };
}

function writeLapiConfig(dir: string, configPath: string, dbPath: string, port: number): void {
  writeYaml(configPath, {
    ...baseConfig(dir, dbPath),
    // No online_client: no Central API push or pull, and nothing tries the network.
    api: {
      client: { insecure_skip_verify: false, credentials_path: join(dir, 'local_api_credentials.yaml') },
      server: serverSection(dir, `127.0.0.1:${port}`),
    },
  });
}

/** Any HTTP answer means it listens (GET /v1/decisions without a key is a 403); an exit means it never will (e.g. port taken). */
async function waitUntilListening(proc: ChildProcess, url: string, timeoutMs: number): Promise<void> {
  const state = await pollUntil(
    async () => {
      if (hasExited(proc)) return `exited with ${proc.exitCode ?? proc.signalCode}`;
      const res = await fetch(`${url}/v1/decisions`).catch(() => undefined);
      return res !== undefined && 'ready';
    },
    'the upstream LAPI to listen',
    { timeoutMs, intervalMs: 100 },
  );
  if (state !== 'ready') throw new Error(state);
}

/** Writes a validated machine straight into the database (machines add), so cscli can log in without `lapi register`. */
async function addLocalMachine(cscli: Cscli): Promise<void> {
  const res = await cscli.run(['machines', 'add', 'harness-cscli', '--auto', '--force', '-u', cscli.url, '-f', cscli.credentialsPath]);
  if (res.code !== 0) throw new Error(`cscli machines add failed (${res.code}): ${res.stderr}`);
}

async function addBouncer(cscli: Cscli, name: string): Promise<string> {
  const res = await cscli.run(['bouncers', 'add', name, '-o', 'raw']);
  const key = res.stdout.trim();
  if (res.code !== 0 || !key) throw new Error(`cscli bouncers add ${name} failed (${res.code}): ${res.stderr}`);
  return key;
}
