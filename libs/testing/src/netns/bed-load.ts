import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { newAlert, newDecision } from '../factories';
import type { ClusterBed } from './cluster-bed';

const LAPICTL = resolve(__dirname, '../../../../scripts/lapictl.js');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bouncer polling the stream of one or several URLs in turn, counting what it receives and when. */
export interface StreamPoller {
  name: string;
  received: Map<string, number>;
  /** When each value first arrived (ms). */
  firstAt: Map<string, number>;
  readonly answered: number;
  readonly errors: number;
  stop(): Promise<void>;
}

export function startStreamPoller(name: string, urls: () => string[], key: string, intervalMs = 50): StreamPoller {
  const received = new Map<string, number>();
  const firstAt = new Map<string, number>();
  let running = true;
  let errors = 0;
  let answered = 0;
  const loop = (async () => {
    let started = false;
    for (let i = 0; running; i++) {
      const list = urls();
      const url = list[i % list.length];
      try {
        const res = await fetch(`${url}/v1/decisions/stream${started ? '' : '?startup=true'}`, { headers: { 'x-api-key': key }, signal: AbortSignal.timeout(15_000) });
        if (res.status !== 200) {
          errors++;
          await res.body?.cancel();
        } else {
          started = true;
          answered++;
          const now = Date.now();
          for (const d of ((await res.json()) as { new: { value: string }[] | null }).new ?? []) {
            received.set(d.value, (received.get(d.value) ?? 0) + 1);
            if (!firstAt.has(d.value)) firstAt.set(d.value, now);
          }
        }
      } catch {
        errors++;
      }
      await pause(intervalMs);
    }
  })();
  return {
    name,
    received,
    firstAt,
    get errors() {
      return errors;
    },
    get answered() {
      return answered;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** What a writer did: values it was told were accepted (and when), and the refusals it saw. */
export interface Writer {
  name: string;
  accepted: Map<string, number>;
  /** Status (or `error`) → count, and a sample message for each. */
  refused: Map<string, { count: number; message: string }>;
  /** The longest any one write took to be answered (ms). */
  readonly slowestMs: number;
  stop(): Promise<void>;
}

function refusal(refused: Writer['refused'], status: string, message: string): void {
  const r = refused.get(status);
  if (r) r.count++;
  else refused.set(status, { count: 1, message: message.slice(0, 200) });
}

/** An agent pushing one alert with one decision at a time through `url`, as fast as answered (plus `gapMs`). */
export function startAgentPusher(name: string, url: string, token: string, values: () => string, gapMs = 20): Writer {
  const accepted = new Map<string, number>();
  const refused: Writer['refused'] = new Map();
  let running = true;
  let slowestMs = 0;
  const loop = (async () => {
    while (running) {
      const value = values();
      const started = Date.now();
      try {
        const res = await fetch(`${url}/v1/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.status === 201) accepted.set(value, Date.now());
        else refusal(refused, String(res.status), text);
      } catch (e) {
        refusal(refused, 'error', (e as Error).message);
      }
      slowestMs = Math.max(slowestMs, Date.now() - started);
      await pause(gapMs);
    }
  })();
  return {
    name,
    accepted,
    refused,
    get slowestMs() {
      return slowestMs;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** `lapictl decisions add` in a loop on a bed host, as an operator's script would. */
export function startLapictlWriter(bed: ClusterBed, hostName: string, values: () => string): Writer {
  const accepted = new Map<string, number>();
  const refused: Writer['refused'] = new Map();
  const host = bed.host(hostName);
  let running = true;
  let slowestMs = 0;
  const loop = (async () => {
    while (running) {
      const value = values();
      const started = Date.now();
      const result = await new Promise<{ code: number; stderr: string }>((done) => {
        execFile(
          'ip',
          ['netns', 'exec', host.ns, process.execPath, LAPICTL, 'decisions', 'add', '-i', value, '-d', '4h'],
          { cwd: join(LAPICTL, '../..'), env: { ...process.env, DATABASE_URL: bed.pgUrl, NATS_URL: bed.natsUrl }, timeout: 60_000 },
          (err, _stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
      if (result.code === 0) accepted.set(value, Date.now());
      else refusal(refused, `exit ${result.code}`, result.stderr);
      slowestMs = Math.max(slowestMs, Date.now() - started);
      await pause(200);
    }
  })();
  return {
    name: `lapictl@${hostName}`,
    accepted,
    refused,
    get slowestMs() {
      return slowestMs;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Addresses `<prefix>.<third>.<fourth>` counted from `<prefix>.<from>.0`: give each writer its own prefix or range. */
export function valueSource(prefix: string, from = 0): () => string {
  let i = 0;
  return () => {
    const n = i++;
    return `${prefix}.${from + (n >> 8)}.${n & 255}`;
  };
}
