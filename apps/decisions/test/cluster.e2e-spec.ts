import { insertBouncer, newAlert, newDecision, OwnPostgres, pollUntil, RunningProcess, sql, startOwnPostgres, startService, startTestCluster, TestCluster, TestNats } from '@lapi/testing';

jest.setTimeout(180_000);

const REG_TOKEN = 'r'.repeat(40);

interface Poller {
  received: Map<string, number>;
  /** Polls answered 200 so far (the first is its startup poll). */
  readonly answered: number;
  /** Which replica first delivered each value. */
  firstFrom: Map<string, string>;
  errors: number;
  stop(): Promise<void>;
}

/** A bouncer polling the stream of one or several replicas in turn, counting what it receives. */
function startPoller(urls: () => string[], key: string, intervalMs = 20): Poller {
  const received = new Map<string, number>();
  const firstFrom = new Map<string, string>();
  let running = true;
  let errors = 0;
  let answered = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const list = urls();
      const url = list[i % list.length];
      try {
        const res = await fetch(`${url}/v1/decisions/stream${i === 0 ? '?startup=true' : ''}`, { headers: { 'x-api-key': key } });
        if (res.status !== 200) {
          errors++;
          if (i === 0) i = -1;
        } else {
          answered++;
          for (const d of ((await res.json()) as { new: { value: string }[] | null }).new ?? []) {
            received.set(d.value, (received.get(d.value) ?? 0) + 1);
            if (!firstFrom.has(d.value)) firstFrom.set(d.value, url);
          }
        }
      } catch {
        errors++;
        if (i === 0) i = -1;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    received,
    firstFrom,
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

describe('cluster: ingest, registration and two decisions replicas on Postgres + NATS', () => {
  // A Postgres of the suite's own: one test restarts it.
  let db: OwnPostgres;
  let cluster: TestCluster;
  let nats: TestNats;
  let env: Record<string, string>;
  let ingest: RunningProcess;
  let registration: RunningProcess;
  let replicas: RunningProcess[];
  let token: string;

  beforeAll(async () => {
    db = await startOwnPostgres();
    cluster = await startTestCluster({ databaseUrl: db.url, registrationToken: REG_TOKEN });
    ({ nats, env, ingest, decisions: replicas } = cluster);
    registration = cluster.registration!;
    await cluster.registerMachine('agent', 'pw');
    token = await cluster.login('agent', 'pw');
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.stop();
  });

  const push = (value: string) =>
    fetch(`${ingest.url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]),
    }).then((r) => r.status);

  it('serves a decision pushed through ingest from every decisions replica', async () => {
    const key = await insertBouncer(db.url, 'b-fanout');
    expect(await push('192.0.2.1')).toBe(201);
    for (const r of replicas) {
      await pollUntil(async () => {
        const res = await fetch(`${r.url}/v1/decisions?ip=192.0.2.1`, { headers: { 'x-api-key': key } });
        return res.status === 200 && ((await res.json()) as unknown[] | null)?.length === 1;
      }, `replica ${r.url} to serve it`, { timeoutMs: 2000, intervalMs: 10 });
    }
  });

  it('accepts a token issued by ingest on registration (one shared secret)', async () => {
    const body = (machine_id: string) => JSON.stringify({ machine_id, password: 'pw2', registration_token: REG_TOKEN });
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${registration.url}/v1/watchers`, { method: 'POST', headers: json, body: body('agent-2') })).status).toBe(202);
    const login = await fetch(`${ingest.url}/v1/watchers/login`, { method: 'POST', headers: json, body: body('agent-2') });
    const issued = ((await login.json()) as { token: string }).token;
    const forged = `${issued.slice(0, -4)}AAAA`;
    expect((await fetch(`${registration.url}/v1/watchers/self`, { method: 'DELETE', headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    expect((await fetch(`${registration.url}/v1/watchers/self`, { method: 'DELETE', headers: { authorization: `Bearer ${issued}` } })).status).toBe(200);
    await pollUntil(async () => (await fetch(`${ingest.url}/v1/heartbeat`, { headers: { authorization: `Bearer ${issued}` } })).status === 401, 'ingest to refuse the deleted machine');
  });

  it('refuses a deleted bouncer on every replica within a second', async () => {
    const key = await insertBouncer(db.url, 'b-doomed');
    for (const r of replicas) expect((await fetch(`${r.url}/v1/decisions`, { headers: { 'x-api-key': key } })).status).toBe(200);
    await sql(db.url, "DELETE FROM bouncers WHERE name LIKE 'b-doomed%'");
    const deletedAt = Date.now();
    for (const r of replicas) {
      await pollUntil(async () => (await fetch(`${r.url}/v1/decisions`, { headers: { 'x-api-key': key } })).status === 403, 'the key to be refused', { timeoutMs: 1500, intervalMs: 50 });
    }
    expect(Date.now() - deletedAt).toBeLessThan(1500);
  });

  it('loses nothing through a NATS restart and a replica killed and restarted under a stream of decisions, and repeats only what the killed replica was sending', async () => {
    const pinned = [await insertBouncer(db.url, 'b-pin-0'), await insertBouncer(db.url, 'b-pin-1')];
    const roaming = await insertBouncer(db.url, 'b-roam');
    const pollers = [
      startPoller(() => [replicas[0].url], pinned[0]),
      startPoller(() => [replicas[1].url], pinned[1]),
      startPoller(() => replicas.map((r) => r.url), roaming),
    ];
    await pollUntil(() => pollers.every((p) => p.answered > 0), 'every poller to have had its startup answer');
    const accepted: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const value = `10.20.${(i >> 8) & 255}.${i & 255}`;
        try {
          if ((await push(value)) === 201) accepted.push(value);
        } catch {
          // refused while something restarts: not accepted, so not expected anywhere
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    await nats.restart();
    await new Promise((r) => setTimeout(r, 1500));
    const killed = replicas[1].url;
    await replicas[1].stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    replicas[1] = await startService('decisions', env);
    await new Promise((r) => setTimeout(r, 1500));
    writing = false;
    await writer;
    expect(accepted.length).toBeGreaterThan(50);

    const [{ head }] = await sql<{ head: string }>(db.url, 'SELECT seq AS head FROM change_head');
    for (const r of replicas) {
      await pollUntil(async () => {
        const m = await (await fetch(`${r.url}/health/ready`)).json() as { status: string };
        return m.status === 'ready';
      }, 'replica ready');
    }
    // Every replica holds exactly what Postgres holds.
    const active = (await sql<{ value: string }>(db.url, 'SELECT value FROM decisions WHERE NOT ended AND until > now()')).map((r) => r.value).sort();
    for (const r of replicas) {
      const key = pinned[0];
      await pollUntil(async () => {
        const res = await fetch(`${r.url}/v1/decisions?dedup=false`, { headers: { 'x-api-key': key } });
        const got = (((await res.json()) as { value: string }[] | null) ?? []).map((d) => d.value).sort();
        return JSON.stringify(got) === JSON.stringify(active);
      }, `replica ${r.url} to hold what Postgres holds (head ${head})`, { timeoutMs: 5000, intervalMs: 100 });
    }
    // Every bouncer received every accepted decision. Exactly once, except that a reply the killed
    // replica was sending when it died is sent again (never lost: a repeated ban is harmless).
    await new Promise((r) => setTimeout(r, 500));
    for (const p of pollers) await p.stop();
    const inDb = new Set((await sql<{ source_value: string }>(db.url, 'SELECT source_value FROM alerts')).map((r) => r.source_value));
    expect(accepted.filter((v) => !inDb.has(v))).toEqual([]);
    for (const p of pollers) {
      const missing = accepted.filter((v) => !p.received.has(v));
      const repeated = [...p.received].filter(([v, n]) => n > 1 && p.firstFrom.get(v) !== killed);
      expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });
    }
  });

  it('answers bouncers from memory through a Postgres restart, and takes decisions again afterwards', async () => {
    const key = await insertBouncer(db.url, 'b-pg');
    expect(await push('192.0.2.77')).toBe(201);
    for (const r of replicas) {
      await pollUntil(async () => (await fetch(`${r.url}/v1/decisions?ip=192.0.2.77`, { headers: { 'x-api-key': key } })).status === 200, 'known key');
    }
    const restart = db.restart();
    const statuses: number[] = [];
    while (statuses.length < 30) {
      for (const r of replicas) statuses.push((await fetch(`${r.url}/v1/decisions?ip=192.0.2.77`, { headers: { 'x-api-key': key } })).status);
      await new Promise((res) => setTimeout(res, 50));
    }
    await restart;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await pollUntil(async () => (await push('192.0.2.78')) === 201, 'ingest to take alerts again', { timeoutMs: 30_000, intervalMs: 250 });
    for (const r of replicas) {
      await pollUntil(async () => ((await (await fetch(`${r.url}/v1/decisions?ip=192.0.2.78`, { headers: { 'x-api-key': key } })).json()) as unknown[] | null)?.length === 1, 'the new decision on every replica', { timeoutMs: 5000 });
    }
  });
});
