import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildServices, createTestDatabase, newAlert, newDecision, pollUntil, RunningProcess, startService, TestDatabase } from '@lapi/testing';

jest.setTimeout(300_000);
const execFileAsync = promisify(execFile);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');

const WRITERS = 8;
const PUSHES_PER_WRITER = 250;
const DB_TIMEOUT_S = 5;
/** No request may take longer: a push waits at most for the transaction ahead of it and its own, each bounded by LAPI_DB_TIMEOUT. */
const REQUEST_BOUND_MS = 2 * DB_TIMEOUT_S * 1000;
const REG_TOKEN = 'load-test-registration-token-0123456789';

type StreamBody = { new: { id: number; value: string }[] | null; deleted: { id: number; value: string }[] | null };

interface Timed {
  status: number;
  ms: number;
  body: unknown;
}

async function timed(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, body: text ? JSON.parse(text) : undefined };
}

/**
 * What users do at once: agents push, a bouncer polls fast, an operator runs lapictl. On both
 * databases every push is accepted, every decision reaches the bouncer exactly once, every
 * lapictl command completes, and no request waits past the stated bound.
 */
describe.each(['embedded', 'postgres'] as const)('the standalone LAPI on the %s database under concurrent agents, a bouncer and lapictl', (kind) => {
  let lapi: RunningProcess;
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;

  const lapictl = async (...args: string[]) => {
    const started = performance.now();
    const { stdout } = await execFileAsync(process.execPath, [LAPICTL, ...args], { env: { ...process.env, ...env } });
    return { stdout, ms: performance.now() - started };
  };

  beforeAll(async () => {
    buildServices();
    if (kind === 'postgres') db = await createTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'lapi-load-'));
    env = {
      DATABASE_URL: db?.url ?? '',
      LAPI_DATA_DIR: dataDir ?? '',
      NATS_URL: '',
      LAPI_DB_TIMEOUT: `${DB_TIMEOUT_S}s`,
      LAPI_AUTO_REGISTRATION_TOKEN: REG_TOKEN,
      LAPI_AUTO_REGISTRATION_RANGES: '127.0.0.0/8',
    };
    lapi = await startService('standalone', env);
  });
  afterAll(async () => {
    await lapi?.stop();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function agentToken(name: string): Promise<string> {
    const body = JSON.stringify({ machine_id: name, password: 'load-pw', registration_token: REG_TOKEN });
    // 202: validated at once by the auto-registration token, as upstream answers it.
    expect((await timed(`${lapi.url}/v1/watchers`, { method: 'POST', body })).status).toBe(202);
    const login = await timed(`${lapi.url}/v1/watchers/login`, { method: 'POST', body: JSON.stringify({ machine_id: name, password: 'load-pw', scenarios: [] }) });
    expect(login.status).toBe(200);
    return (login.body as { token: string }).token;
  }

  it('accepts every push, delivers every decision once, completes every lapictl command, within the bound', async () => {
    const tokens = await Promise.all(Array.from({ length: WRITERS }, (_, w) => agentToken(`agent-${w}`)));
    const key = (await lapictl('bouncers', 'add', 'load-bouncer', '-o', 'raw')).stdout.trim();
    const headers = { 'x-api-key': key };

    const received = new Map<number, number>();
    const valuesById = new Map<number, string>();
    const pollStatuses: number[] = [];
    const latencies: number[] = [];
    const take = (body: StreamBody) => {
      for (const d of body.new ?? []) {
        received.set(d.id, (received.get(d.id) ?? 0) + 1);
        valuesById.set(d.id, d.value);
      }
    };
    const poll = async (query = '') => {
      const res = await timed(`${lapi.url}/v1/decisions/stream${query}`, { headers });
      pollStatuses.push(res.status);
      latencies.push(res.ms);
      if (res.status === 200) take(res.body as StreamBody);
    };
    await poll('?startup=true');

    let writing = true;
    const bouncer = (async () => {
      while (writing) {
        await poll();
        await new Promise((r) => setTimeout(r, 20)); // the bouncer's update_frequency
      }
    })();

    const pushStatuses: number[] = [];
    const writers = tokens.map(async (token, w) => {
      for (let i = 0; i < PUSHES_PER_WRITER; i++) {
        const value = `10.${100 + w}.${i >> 8}.${i & 255}`;
        const res = await timed(`${lapi.url}/v1/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value, duration: '4h' })] })]),
        });
        pushStatuses.push(res.status);
        latencies.push(res.ms);
      }
    });

    const operatorValues: string[] = [];
    const lapictlTimes: number[] = [];
    const operator = (async () => {
      for (let n = 1; writing || n <= 2; n++) {
        const value = `198.51.100.${n}`;
        lapictlTimes.push((await lapictl('decisions', 'add', '--ip', value, '--duration', '1h', '--reason', 'load-test')).ms);
        operatorValues.push(value);
        const listed = await lapictl('decisions', 'list', '-o', 'json');
        lapictlTimes.push(listed.ms);
        expect(() => JSON.parse(listed.stdout)).not.toThrow();
      }
    })();

    await Promise.all(writers);
    writing = false;
    await Promise.all([bouncer, operator]);

    const expected = new Set([...Array.from({ length: WRITERS * PUSHES_PER_WRITER }, (_, k) => `10.${100 + Math.floor(k / PUSHES_PER_WRITER)}.${(k % PUSHES_PER_WRITER) >> 8}.${k % PUSHES_PER_WRITER & 255}`), ...operatorValues]);
    await pollUntil(
      async () => {
        await poll();
        return [...valuesById.values()].filter((v) => expected.has(v)).length >= expected.size;
      },
      'every decision to reach the bouncer',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // Polls after the last decision arrived: a repeat would show up now.
    await poll();
    await poll();

    const count = (statuses: number[], s: number) => statuses.filter((x) => x === s).length;
    expect({ pushes: pushStatuses.length, accepted: count(pushStatuses, 201) }).toEqual({ pushes: WRITERS * PUSHES_PER_WRITER, accepted: WRITERS * PUSHES_PER_WRITER });
    expect(pollStatuses.filter((s) => s !== 200)).toEqual([]);
    expect([...valuesById.values()].sort()).toEqual([...expected].sort());
    expect([...received.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(operatorValues.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...latencies)).toBeLessThan(REQUEST_BOUND_MS);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `${kind}: ${latencies.length} requests, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; ` +
        `${lapictlTimes.length} lapictl commands, slowest ${Math.max(...lapictlTimes).toFixed(0)} ms`,
    );
  });
  it('ends exactly the decisions of the alerts lapictl deletes, each once, in chunks, while agents keep pushing', async () => {
    const [doomedToken, ...tokens] = await Promise.all(Array.from({ length: 5 }, (_, w) => agentToken(`agent-del-${w}`)));
    const key = (await lapictl('bouncers', 'add', 'load-bouncer-del', '-o', 'raw')).stdout.trim();
    const news = new Map<number, number>();
    const deletes = new Map<number, number>();
    const valueOf = new Map<number, string>();
    const poll = async (query = '') => {
      const res = await timed(`${lapi.url}/v1/decisions/stream${query}`, { headers: { 'x-api-key': key } });
      expect(res.status).toBe(200);
      const body = res.body as StreamBody;
      for (const d of body.new ?? []) {
        news.set(d.id, (news.get(d.id) ?? 0) + 1);
        valueOf.set(d.id, d.value);
      }
      for (const d of body.deleted ?? []) deletes.set(d.id, (deletes.get(d.id) ?? 0) + 1);
    };
    await poll('?startup=true');

    // One alert whose decisions take more than one chunk (5,000) to end.
    const doomed = Array.from({ length: 6000 }, (_, i) => newDecision({ value: `10.200.${i >> 8}.${i & 255}`, duration: '4h' }));
    const pushed = await timed(`${lapi.url}/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${doomedToken}` }, body: JSON.stringify([newAlert({ scenario: 'load-delete', decisions: doomed })]) });
    expect(pushed.status).toBe(201);
    const arrived = (values: (v: string) => boolean) => [...valueOf.values()].filter(values).length;
    await pollUntil(async () => {
      await poll();
      return arrived((v) => v.startsWith('10.200.')) === 6000;
    }, 'the doomed decisions at the bouncer', { timeoutMs: 30_000 });
    const doomedIds = [...valueOf].filter(([, v]) => v.startsWith('10.200.')).map(([id]) => id);

    let writing = true;
    const bouncer = (async () => {
      while (writing) {
        await poll();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const pushStatuses: number[] = [];
    const writers = tokens.map(async (token, w) => {
      for (let i = 0; i < 100; i++) {
        const value = `10.${210 + w}.0.${i}`;
        const res = await timed(`${lapi.url}/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value, duration: '4h' })] })]) });
        pushStatuses.push(res.status);
      }
    });
    const deletion = lapictl('alerts', 'delete', '-s', 'load-delete');
    await Promise.all([...writers, deletion]);
    writing = false;
    await bouncer;

    const pushedValues = new Set(tokens.flatMap((_, w) => Array.from({ length: 100 }, (_, i) => `10.${210 + w}.0.${i}`)));
    await pollUntil(
      async () => {
        await poll();
        return deletes.size >= doomedIds.length && arrived((v) => pushedValues.has(v)) >= pushedValues.size;
      },
      'every deletion and every new decision at the bouncer',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await poll();
    expect(pushStatuses.filter((s) => s !== 201)).toEqual([]);
    expect([...deletes.keys()].sort((a, b) => a - b)).toEqual([...doomedIds].sort((a, b) => a - b));
    expect([...deletes.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...news.values()].filter((n) => n !== 1)).toEqual([]);
    expect(arrived((v) => pushedValues.has(v))).toBe(pushedValues.size);
  });
});
