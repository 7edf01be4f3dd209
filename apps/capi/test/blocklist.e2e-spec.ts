import { CapiWorker } from '@lapi/capi';
import { CapiSim } from '@lapi/capi-sim';
import { DecisionsRepository } from '@lapi/db';
import { createTestDatabase, pollUntil, TestDatabase } from '@lapi/testing';
import { Client } from 'pg';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(120_000);

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const busSubjectPrefix = `lapi-capi-test-${process.pid}`;

interface StreamDecision {
  value: string;
  origin: string;
  scenario: string;
}

/** Three standalone nodes started at once on one Postgres and NATS, each running the CAPI worker, against the simulator. */
describe('community blocklist through the cluster', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let a: TestLapi;
  let b: TestLapi;
  let c: TestLapi;
  let key: string;

  /** Polls node b's stream until `done` holds for what it has collected. */
  const collect = async (done: (got: { added: StreamDecision[]; deleted: StreamDecision[] }) => boolean, startup = false) => {
    const got = { added: [] as StreamDecision[], deleted: [] as StreamDecision[] };
    let first = startup;
    await pollUntil(async () => {
      const res = await call(b, 'GET', `/v1/decisions/stream${first ? '?startup=true' : ''}`, { apiKey: key });
      first = false;
      got.added.push(...(res.body.new ?? []));
      got.deleted.push(...(res.body.deleted ?? []));
      return done(got);
    }, 'the stream to carry the blocklist change', { timeoutMs: 20_000, intervalMs: 100 });
    return got;
  };

  beforeAll(async () => {
    sim = new CapiSim({ blocklistSize: 1000, linkSize: 100 });
    await sim.start();
    db = await createTestDatabase();
    // Credentials as `lapictl capi register` leaves them, before any node starts.
    sim.machines.set('cluster-1', { password: 'pw', enrolled: false });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`UPDATE capi_state SET machine_id = 'cluster-1', password = 'pw' WHERE id = 1`);
    await pg.end();
    const common = { sharedDatabaseUrl: db.url, natsUrl, busSubjectPrefix, capiUrl: sim.url, capiSharing: false };
    [a, b, c] = await Promise.all([startTestLapi(common), startTestLapi(common), startTestLapi(common)]);
    key = await b.bouncerKey();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await c?.close();
    await sim.close();
    await db.drop();
  });

  it('is pulled by one node, with one login, and reaches the other node\'s bouncers and lookups', async () => {
    const got = await collect((g) => g.added.length >= 1100, true);
    expect(got.added).toHaveLength(1100);
    expect(got.added.filter((d) => d.origin === 'CAPI').map((d) => d.value).sort()).toEqual([...sim.blocklist].sort());
    expect(got.added.filter((d) => d.origin === 'lists').map((d) => d.value).sort()).toEqual([...sim.linkList].sort());
    expect(new Set(got.added.filter((d) => d.origin === 'lists').map((d) => d.scenario))).toEqual(new Set(['sim-list']));
    const lookup = await call(b, 'GET', `/v1/decisions?ip=${sim.blocklist[0]}`, { apiKey: key });
    expect(lookup.body).toEqual([expect.objectContaining({ origin: 'CAPI', value: sim.blocklist[0], type: 'ban' })]);
    expect(sim.requests.filter((r) => r.path === '/v3/watchers/login')).toHaveLength(1);
    expect(sim.requests.filter((r) => r.path === '/v3/decisions/stream')).toHaveLength(1);
    expect(sim.requests.every((r) => r.userAgent.startsWith('crowdsec/v'))).toBe(true);
  });

  it('sends bouncers only the 1% a refresh changed, and fetches an unchanged link with If-Modified-Since', async () => {
    const decisions = a.app.get(DecisionsRepository);
    const headBefore = await decisions.head();
    const { removed, added } = sim.changeBlocklist(0.01);
    await leader().blocklist.pull();
    const got = await collect((g) => g.added.length >= added.length && g.deleted.length >= removed.length);
    expect(got.added.map((d) => d.value).sort()).toEqual([...added].sort());
    expect(got.deleted.map((d) => d.value).sort()).toEqual([...removed].sort());
    // Ten ends and ten inserts: nothing else entered the change sequence.
    expect((await decisions.head()) - headBefore).toBe(20);
    const linkCalls = sim.requests.filter((r) => r.path === '/blocklists/sim-list');
    expect(linkCalls.at(-1)).toEqual(expect.objectContaining({ status: 304, ifModifiedSince: expect.any(String) }));
  });

  it('takes a changed link list as a diff too', async () => {
    const before = new Set(sim.linkList);
    const head = await a.app.get(DecisionsRepository).head();
    sim.changeLinkList(0.05);
    sim.linkModifiedAt = Date.now() + 2000; // Last-Modified counts whole seconds: make it later than the last fetch's
    await leader().blocklist.pull();
    const fresh = sim.linkList.filter((v) => !before.has(v));
    const got = await collect((g) => g.added.length >= fresh.length && g.deleted.length >= 5);
    expect(got.added.map((d) => d.value).sort()).toEqual(fresh.sort());
    expect(got.deleted).toHaveLength(5);
    expect((await a.app.get(DecisionsRepository).head()) - head).toBe(10);
    expect(sim.requests.filter((r) => r.path === '/v3/watchers/login')).toHaveLength(1);
  });

  function leader(): CapiWorker {
    const workers = [a, b, c].map((n) => n.app.get(CapiWorker));
    return workers.find((w) => w.isLeader())!;
  }
});
