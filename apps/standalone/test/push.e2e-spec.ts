import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices, createTestDatabase, insertBouncer, newAlert, newDecision, pollUntil, PushClient, RunningProcess, startPushClient, startService, TestDatabase } from '@lapi/testing';

jest.setTimeout(180_000);

const REG_TOKEN = 'push-standalone-registration-token-0123';

/**
 * Push bouncers on the standalone LAPI, on both databases: the LAPI is killed and restarted while
 * decisions keep coming, and connections are cut at random; each bouncer reconnects with its
 * Last-Event-ID, as EventSource does.
 */
describe.each(['embedded', 'postgres'] as const)('push delivery on the standalone LAPI (%s database)', (kind) => {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  let lapi: RunningProcess;
  const clients: PushClient[] = [];

  beforeAll(async () => {
    buildServices();
    if (kind === 'postgres') db = await createTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'lapi-push-'));
    env = { DATABASE_URL: db?.url ?? '', LAPI_DATA_DIR: dataDir ?? '', NATS_URL: '', LAPI_JWT_SECRET: 'w'.repeat(40), LAPI_AUTO_REGISTRATION_TOKEN: REG_TOKEN, LAPI_AUTO_REGISTRATION_RANGES: '127.0.0.0/8' };
    lapi = await startService('standalone', env);
  });

  afterAll(async () => {
    for (const c of clients) c.stop();
    await lapi?.stop('SIGKILL');
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every decision exactly once to every push bouncer through a kill and restart and random drops', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${lapi.url}/v1/watchers`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'agent', password: 'pw', registration_token: REG_TOKEN }) })).status).toBe(202);
    const login = async () => ((await (await fetch(`${lapi.url}/v1/watchers/login`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'agent', password: 'pw' }) })).json()) as { token: string }).token;
    const token = await login();
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      // The embedded database is reached through the LAPI's socket, as lapictl does.
      keys.push(await insertBouncer(db?.url ?? `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dataDir!)}`, `push-${i}`));
    }
    clients.push(...keys.map((key) => startPushClient(() => lapi.url, key)));
    await pollUntil(() => clients.every((c) => c.lastEventId !== undefined), 'every push bouncer to have its first event');

    const accepted: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const value = `10.40.${(i >> 8) & 255}.${i & 255}`;
        try {
          const res = await fetch(`${lapi.url}/v1/alerts`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]) });
          await res.arrayBuffer();
          if (res.status === 201) accepted.push(value);
        } catch {
          // refused while the LAPI restarts: not accepted, so not expected anywhere
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let dropping = true;
    const dropper = (async () => {
      while (dropping) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
        clients[Math.floor(Math.random() * clients.length)].drop();
      }
    })();

    await new Promise((r) => setTimeout(r, 2000));
    await lapi.stop('SIGKILL');
    const beforeRestart = accepted.length;
    lapi = await startService('standalone', env, lapi.port);
    // Decisions committed after the restart, too.
    await pollUntil(() => accepted.length >= beforeRestart + 30, 'pushes accepted after the restart', { timeoutMs: 30_000 });
    writing = false;
    await writer;
    dropping = false;
    await dropper;
    expect(accepted.length).toBeGreaterThan(40);

    await pollUntil(() => clients.every((c) => accepted.every((v) => c.received.has(v))), 'every bouncer to have every decision', { timeoutMs: 20_000, intervalMs: 100 });
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of clients) {
      const missing = accepted.filter((v) => !c.received.has(v));
      const repeated = [...c.received].filter(([, n]) => n > 1);
      expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });
    }
    expect(clients.every((c) => c.connects > 1)).toBe(true);
  });

  it('holds a long poll (?wait=) until a decision commits, delivers each once, and answers empty when the wait ends', async () => {
    const json = { 'content-type': 'application/json' };
    const token = ((await (await fetch(`${lapi.url}/v1/watchers/login`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'agent', password: 'pw' }) })).json()) as { token: string }).token;
    const key = await insertBouncer(db?.url ?? `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dataDir!)}`, 'long-poller');
    const poll = async (query: string) => {
      const res = await fetch(`${lapi.url}/v1/decisions/stream${query}`, { headers: { 'x-api-key': key } });
      return { status: res.status, body: (await res.json()) as { new: { value: string }[] | null; message?: string } };
    };
    expect((await poll('?startup=true')).status).toBe(200);
    expect((await poll('?wait=2m')).status).toBe(400);

    const started = performance.now();
    const empty = await poll('?wait=1s');
    expect(empty.status).toBe(200);
    expect(empty.body.new ?? []).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);

    const received = new Map<string, number>();
    const pushed: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await poll('?wait=20s');
        expect(r.status).toBe(200);
        for (const d of r.body.new ?? []) received.set(d.value, (received.get(d.value) ?? 0) + 1);
      }
    })();
    for (let i = 0; i < 30; i++) {
      const value = `10.41.0.${i}`;
      const res = await fetch(`${lapi.url}/v1/alerts`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]) });
      expect(res.status).toBe(201);
      pushed.push(value);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
    // Held polls answer when a decision commits, not when their 20 s run out.
    await pollUntil(() => pushed.every((v) => received.has(v)), 'every decision through long polls', { timeoutMs: 15_000 });
    polling = false;
    const last = fetch(`${lapi.url}/v1/alerts`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify([newAlert({ sourceValue: '10.41.1.1', decisions: [newDecision({ value: '10.41.1.1' })] })]) });
    await (await last).arrayBuffer();
    await poller;
    expect([...received].filter(([, n]) => n > 1)).toEqual([]);
  });
});
