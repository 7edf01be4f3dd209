import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildServices, createTestDatabase, newAlert, newDecision, pollUntil, RunningProcess, startService, startTcpProxy, TcpProxy, TestDatabase } from '@lapi/testing';

jest.setTimeout(120_000);

const DB_TIMEOUT_MS = 2000;
/**
 * A stalled database is answered within this: a statement bounded by LAPI_DB_TIMEOUT plus the
 * client-side second for a server that says nothing, twice (the transaction's rollback waits as
 * long), and slack for a loaded machine.
 */
const ANSWER_BOUND_MS = 2 * (DB_TIMEOUT_MS + 1000) + 2000;
const REG_TOKEN = 'stall-test-registration-token-0123456789';

interface Answer {
  status: number;
  ms: number;
  body: { message?: string } & Record<string, unknown>;
}

async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, body: text ? JSON.parse(text) : {} };
}

/** A LAPI whose database stops answering: requests get a 503 within the bound, and it recovers with the database. */
describe('the LAPI when its database stalls', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  async function start(env: Record<string, string>) {
    const lapi = await startService('standalone', {
      NATS_URL: '',
      LAPI_DB_TIMEOUT: `${DB_TIMEOUT_MS}ms`,
      LAPI_AUTO_REGISTRATION_TOKEN: REG_TOKEN,
      LAPI_AUTO_REGISTRATION_RANGES: '127.0.0.0/8',
      ...env,
    });
    const creds = JSON.stringify({ machine_id: `agent-${Date.now()}`, password: 'pw', registration_token: REG_TOKEN, scenarios: [] });
    expect((await request(`${lapi.url}/v1/watchers`, { method: 'POST', body: creds })).status).toBe(202);
    const token = (await request(`${lapi.url}/v1/watchers/login`, { method: 'POST', body: creds })).body.token as string;
    let n = 0;
    const push = () =>
      request(`${lapi.url}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify([newAlert({ decisions: [newDecision({ value: `203.0.113.${++n}` })] })]),
      });
    expect((await push()).status).toBe(201);
    return { lapi, push, ready: () => request(`${lapi.url}/health/ready`) };
  }

  const expectBusy = (a: Answer) => {
    expect(a.status).toBe(503);
    expect(a.body.message).toMatch(/database/);
    expect(a.ms).toBeLessThan(ANSWER_BOUND_MS);
  };

  describe('on Postgres', () => {
    let lapi: RunningProcess | undefined;
    afterEach(() => lapi?.stop());

    it('answers 503 within the bound while another session holds the change sequence lock, and recovers when it is let go', async () => {
      const started = await start({ DATABASE_URL: db.url });
      lapi = started.lapi;
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
      expectBusy(await started.push());
      await holder.query('COMMIT');
      await holder.end();
      expect((await started.push()).status).toBe(201);
    });

    it('answers 503 within the bound while the server is frozen, reports not ready, and recovers when it answers again', async () => {
      const u = new URL(db.url);
      const proxy: TcpProxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
      u.port = String(proxy.port);
      const started = await start({ DATABASE_URL: u.toString() });
      lapi = started.lapi;
      try {
        proxy.pause();
        expectBusy(await started.push());
        await pollUntil(async () => (await started.ready()).status === 503, 'readiness to report the database', { timeoutMs: 10_000 });
        proxy.resume();
        await pollUntil(async () => (await started.push()).status === 201, 'pushes to be accepted again', { timeoutMs: 20_000, intervalMs: 200 });
        await pollUntil(async () => (await started.ready()).status === 200, 'readiness to come back', { timeoutMs: 10_000 });
      } finally {
        proxy.resume();
        await lapi.stop();
        await proxy.close();
      }
    });
  });

  describe('on the embedded database', () => {
    let dir: string;
    let lapi: RunningProcess | undefined;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lapi-stall-'))));
    afterEach(async () => {
      await lapi?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const sessionHolder = async () => {
      const c = new Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
      c.on('error', () => undefined);
      await c.connect();
      await c.query('BEGIN');
      return c;
    };
    /** A process busy inside its transaction: it keeps talking, so it is not cut off as idle. */
    const keepBusy = (c: Client) => {
      const timer = setInterval(() => void c.query('SELECT 1').catch(() => undefined), 300);
      return () => clearInterval(timer);
    };

    it('answers 503 within the bound while another process keeps a transaction open, and recovers when it commits', async () => {
      const started = await start({ DATABASE_URL: '', LAPI_DATA_DIR: dir });
      lapi = started.lapi;
      const holder = await sessionHolder();
      const stopTalking = keepBusy(holder);
      expectBusy(await started.push());
      expect((await started.ready()).status).toBe(503);
      stopTalking();
      await holder.query('COMMIT');
      await holder.end();
      expect((await started.push()).status).toBe(201);
      expect((await started.ready()).status).toBe(200);
    });

    it('cuts off a process that keeps a transaction open without a word, and serves again by itself', async () => {
      const started = await start({ DATABASE_URL: '', LAPI_DATA_DIR: dir });
      lapi = started.lapi;
      const holder = await sessionHolder();
      const cutOff = new Promise((done) => holder.once('end', done));
      expectBusy(await started.push());
      await cutOff;
      expect((await started.push()).status).toBe(201);
    });
  });
});
