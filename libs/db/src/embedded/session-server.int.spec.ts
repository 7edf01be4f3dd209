import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedEndpoint, openEmbedded } from './embedded-database';

jest.setTimeout(60_000);

/** The embedded database's session server, driven by `pg` connections as the LAPI and lapictl use it. */
describe('embedded session server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-session-'));
  let endpoint: EmbeddedEndpoint;
  const clients: Client[] = [];

  async function client(): Promise<Client> {
    const c = new Client({ host: endpoint.host, port: endpoint.port, user: 'postgres', database: 'postgres' });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    endpoint = await openEmbedded({ dataDir: dir, role: 'lapi', timeoutMs: 1500 });
    const c = await client();
    await c.query('CREATE TABLE counter (id int PRIMARY KEY, v int NOT NULL); INSERT INTO counter VALUES (1, 0)');
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await endpoint.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs concurrent read-modify-write transactions of many connections without losing one', async () => {
    const writers = await Promise.all(Array.from({ length: 8 }, () => client()));
    const before = (await writers[0].query('SELECT v FROM counter WHERE id = $1', [1])).rows[0].v as number;
    await Promise.all(
      writers.map(async (c) => {
        for (let i = 0; i < 40; i++) {
          await c.query('BEGIN');
          const { rows } = await c.query('SELECT v FROM counter WHERE id = $1', [1]);
          await c.query('UPDATE counter SET v = $2 WHERE id = $1', [1, rows[0].v + 1]);
          await c.query('COMMIT');
        }
      }),
    );
    expect((await writers[0].query('SELECT v FROM counter WHERE id = $1', [1])).rows[0].v).toBe(before + 8 * 40);
  });

  it('keeps another connection out of an open transaction until it commits', async () => {
    const [a, b] = [await client(), await client()];
    await a.query('BEGIN');
    await a.query('UPDATE counter SET v = -1 WHERE id = 1');
    let seen: number | undefined;
    const reading = b.query('SELECT v FROM counter WHERE id = 1').then((r) => (seen = r.rows[0].v));
    // a's next statement is answered while b still waits: b never ran inside a's transaction.
    await a.query('SELECT 1');
    expect(seen).toBeUndefined();
    await a.query('COMMIT');
    await reading;
    expect(seen).toBe(-1);
  });

  it('refuses a query that waited longer than the bound with SQLSTATE 57014, and serves it again after', async () => {
    const [holder, other] = [await client(), await client()];
    await holder.query('BEGIN');
    const started = Date.now();
    await expect(other.query('SELECT v FROM counter WHERE id = $1', [1])).rejects.toMatchObject({ code: '57014' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await holder.query('COMMIT');
    expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('rolls back and frees the session when its owner disconnects mid-transaction', async () => {
    const [owner, other] = [await client(), await client()];
    await owner.query('BEGIN');
    await owner.query('UPDATE counter SET v = 424242 WHERE id = 1');
    const waiting = other.query('SELECT v FROM counter WHERE id = 1');
    await owner.end();
    expect((await waiting).rows[0].v).not.toBe(424242);
  });

  it('ends a transaction left idle past the bound, so the others go on', async () => {
    const [idle, other] = [await client(), await client()];
    const closed = new Promise((done) => idle.once('end', done));
    await idle.query('BEGIN');
    await idle.query('UPDATE counter SET v = 777 WHERE id = 1');
    await closed;
    expect((await other.query('SELECT v FROM counter WHERE id = 1')).rows[0].v).not.toBe(777);
  });

  it('keeps a second process out of the files while one holds them', async () => {
    await expect(openEmbedded({ dataDir: dir, role: 'lapi', timeoutMs: 1000 })).rejects.toThrow(/already used by a running LAPI/);
    const joined = await openEmbedded({ dataDir: dir, role: 'lapictl', timeoutMs: 1000 });
    expect(joined.port).toBe(endpoint.port);
  });

  it('refuses to create a database for lapictl where there is none', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lapi-empty-'));
    await expect(openEmbedded({ dataDir: empty, role: 'lapictl', timeoutMs: 1000 })).rejects.toThrow(`no embedded database in ${empty}`);
    rmSync(empty, { recursive: true, force: true });
  });
});

describe('lapictl on the embedded database without a running LAPI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-alone-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens the files alone on a private socket, and a LAPI starting meanwhile waits for it to finish', async () => {
    await (await openEmbedded({ dataDir: dir, role: 'lapi', timeoutMs: 1000 })).stop();
    const alone = await openEmbedded({ dataDir: dir, role: 'lapictl', timeoutMs: 1000 });
    expect(alone.port).not.toBe(5432);
    const c = new Client({ host: alone.host, port: alone.port, user: 'postgres', database: 'postgres' });
    await c.connect();
    expect((await c.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
    let lapiOpened = false;
    const lapi = openEmbedded({ dataDir: dir, role: 'lapi', timeoutMs: 1000 }).then((e) => ((lapiOpened = true), e));
    await c.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 300)); // the LAPI polls the lock every 100 ms: it would be in by now
    expect(lapiOpened).toBe(false);
    await c.end();
    await alone.stop();
    const served = await lapi;
    expect(served.port).toBe(5432);
    await served.stop();
  }, 120_000);
});
