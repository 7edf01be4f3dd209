import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../poll-until';
import { createOutputBuffer, hasExited, inNetns, stopProcess } from './child-process';
import { CUSTOM_BOUNCER_BIN, ClientTlsFiles, prepareDir, tlsFields, writeYaml } from './crowdsec-config';

export interface CustomBouncerOptions {
  url: string;
  /** An API key, or `tls` for a certificate (the bouncer then sends no key). */
  apiKey?: string;
  tls?: ClientTlsFiles;
  dir?: string;
  /** Go duration between stream polls; the package default is 10s, tests want it short. */
  updateFrequency?: string;
  /** Resolve only once the first stream call got a 200 (default). A bouncer whose first call fails never polls again. */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  env?: Record<string, string>;
  /** Runs the bouncer inside this network namespace (a client host of the multi-host bed). */
  netns?: string;
}

/** One call of bin_path: the bouncer runs `script add|del <value> <seconds> <scenario> <decision JSON>`. */
export interface BouncerEvent {
  action: 'add' | 'del';
  value: string;
  /** Whole seconds left, as the bouncer passes them ("14394"; "0" on del). */
  duration: string;
  /** The decision's scenario. */
  reason: string;
  /** The decision as the bouncer received it from the stream (duration, id, origin, scenario, scope, type, value). */
  decision?: Record<string, unknown>;
  raw: string;
}

export interface CustomBouncer {
  dir: string;
  configPath: string;
  logPath: string;
  proc: ChildProcess;
  events(): Promise<BouncerEvent[]>;
  /** Polls the event log every 100 ms until `predicate` holds; returns the events at that point. */
  waitFor(predicate: (events: BouncerEvent[]) => boolean, timeoutMs?: number, what?: string): Promise<BouncerEvent[]>;
  /** The bouncer logs to stderr at debug level: every request, response body and script call. */
  stderr(): string;
  stdout(): string;
  stop(): Promise<number | null>;
}

/** Runs crowdsec-custom-bouncer 0.0.15 with a script that records each call it makes. */
export async function startCustomBouncer(opts: CustomBouncerOptions): Promise<CustomBouncer> {
  const dir = prepareDir('bouncer', opts.dir);
  const logPath = join(dir, 'events.log');
  const scriptPath = writeRecorderScript(dir, logPath);
  const configPath = join(dir, 'crowdsec-custom-bouncer.yaml');
  writeBouncerConfig(configPath, dir, scriptPath, opts);

  const proc = spawn(...inNetns(opts.netns, CUSTOM_BOUNCER_BIN, ['-c', configPath]), { cwd: dir, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createOutputBuffer();
  const err = createOutputBuffer();
  proc.stdout!.on('data', out.push);
  proc.stderr!.on('data', err.push);
  const events = async () => readEvents(logPath);
  const bouncer: CustomBouncer = {
    dir,
    configPath,
    logPath,
    proc,
    events,
    waitFor: (predicate, timeoutMs = 10_000, what = 'the bouncer to see the expected decisions') => waitForEvents(logPath, predicate, timeoutMs, what),
    stderr: err.text,
    stdout: out.text,
    stop: () => stopProcess(proc),
  };
  if (opts.waitReady !== false) await waitUntilReady(bouncer, opts.readyTimeoutMs ?? 15_000);
  return bouncer;
}

/** Tab-separated so the JSON (which never holds a raw tab or newline) stays one field; the first field is $# to spot surprises. */
function writeRecorderScript(dir: string, logPath: string): string {
  const path = join(dir, 'record-call.sh');
  const script = `#!/bin/sh
{ printf '%s' "$#"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> ${shellQuote(logPath)}
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function writeBouncerConfig(configPath: string, dir: string, scriptPath: string, opts: CustomBouncerOptions): void {
  writeYaml(configPath, {
    bin_path: scriptPath,
    // One script call per decision (not one long-lived process reading stdin): each call is one log line.
    feed_via_stdin: false,
    total_retries: 0,
    scenarios_containing: [],
    scenarios_not_containing: [],
    origins: [],
    piddir: `${dir}/`,
    update_frequency: opts.updateFrequency ?? '1s',
    cache_retention_duration: '10s',
    daemonize: false,
    log_mode: 'stdout',
    log_dir: `${dir}/`,
    // debug logs each request and response: that is how waitUntilReady knows the first pull succeeded.
    log_level: 'debug',
    api_url: opts.url,
    ...(opts.apiKey !== undefined ? { api_key: opts.apiKey } : {}),
    ...(opts.tls ? tlsFields(opts.tls) : {}),
    prometheus: { enabled: false, listen_addr: '127.0.0.1', listen_port: 0 },
  });
}

async function waitUntilReady(bouncer: CustomBouncer, timeoutMs: number): Promise<void> {
  // pollUntil retries on exceptions, so a failure is returned as a value to stop at once.
  const state = await pollUntil(() => readiness(bouncer), 'crowdsec-custom-bouncer to pull its first stream', { timeoutMs, intervalMs: 100 }).catch(
    (e: Error) => e.message,
  );
  if (state === 'ready') return;
  await bouncer.stop();
  throw new Error(`crowdsec-custom-bouncer did not start: ${state}\n--- bouncer stderr ---\n${bouncer.stderr().slice(-4000)}`);
}

function readiness(bouncer: CustomBouncer): string | false {
  if (hasExited(bouncer.proc)) return `exited with ${bouncer.proc.exitCode ?? bouncer.proc.signalCode}`;
  // A failed first call is fatal in practice: 0.0.15 logs an error and never polls again.
  if (/level=(error|fatal)/.test(bouncer.stderr())) return 'its first call failed';
  // With a key the bouncer logs `resp-api: http 200`; with a certificate its transport logs the raw response.
  return /resp-api: http 200|Response: HTTP\/1\.1 200/.test(bouncer.stderr()) && 'ready';
}

async function waitForEvents(logPath: string, predicate: (events: BouncerEvent[]) => boolean, timeoutMs: number, what: string): Promise<BouncerEvent[]> {
  try {
    return await pollUntil(() => {
      const list = readEvents(logPath);
      return predicate(list) && list;
    }, what, { timeoutMs, intervalMs: 100 });
  } catch (e) {
    throw new Error(`${(e as Error).message}; events so far:\n${readEventsSafe(logPath)}`);
  }
}

function readEventsSafe(logPath: string): string {
  return existsSync(logPath) ? readFileSync(logPath, 'utf8') : '(none)';
}

function readEvents(logPath: string): BouncerEvent[] {
  if (!existsSync(logPath)) return [];
  // The script writes a line in several writes: drop the last piece, which is '' or a line still being written.
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.length > 0)
    .map(parseEventLine);
}

export function parseEventLine(raw: string): BouncerEvent {
  const [, action, value, duration, ...rest] = raw.split('\t');
  // The reason could in theory hold a tab; the JSON is always the last field.
  const json = rest.length > 1 ? rest[rest.length - 1] : undefined;
  const reason = rest.length > 1 ? rest.slice(0, -1).join('\t') : rest.join('\t');
  return { action: action as 'add' | 'del', value, duration, reason, decision: parseJson(json), raw };
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
