import { BouncersRepository } from '@lapi/db';
import { DataSource } from 'typeorm';
import { DecisionsService, IndexSync } from '@lapi/decisions';
import { newAlert, newDecision, pollUntil } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

async function read(body: Buffer | NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  for await (const chunk of Buffer.isBuffer(body) ? [body] : body) text += String(chunk);
  return ((JSON.parse(text) as { new: { value: string }[] | null }).new ?? []).map((d) => d.value);
}

// Two LAPIs start in beforeAll: seconds on a loaded CI machine.
jest.setTimeout(30_000);

/** Two replicas on one database, each with its own bus: the second sees changes only through its head check, so their heads differ. */
describe('stream cursor: concurrent polls with one key', () => {
  let a: TestLapi;
  let b: TestLapi;
  let token: string;

  beforeAll(async () => {
    a = await startTestLapi();
    b = await startTestLapi({ sharedDatabaseUrl: a.db!.url });
    token = await a.machineToken();
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const pushBan = (ip: string) => call(a, 'POST', '/v1/alerts', { token, body: [newAlert({ sourceValue: ip, decisions: [newDecision({ value: ip })] })] });

  it('loses nothing when polls reach replicas at different heads at once and the further one fails', async () => {
    const key = await a.bouncerKey('shared-key');
    await call(a, 'GET', '/v1/decisions/stream?startup=true', { apiKey: key });
    const row = (await a.app.get(BouncersRepository).findByName('shared-key'))!;
    await pushBan('192.0.2.81');
    await pollUntil(() => b.app.get(IndexSync).index.head === a.app.get(IndexSync).index.head, 'replica b to catch up');
    await pushBan('192.0.2.82');
    expect(b.app.get(IndexSync).index.head).toBeLessThan(a.app.get(IndexSync).index.head);

    // b's poll takes its head first, and reaches the database only after a's poll has started its delivery and failed it.
    const bRepo = b.app.get(BouncersRepository);
    const takeOnB = bRepo.takeCursors.bind(bRepo);
    let aStarted!: () => void;
    const aHasStarted = new Promise<void>((r) => (aStarted = r));
    const gate = jest.spyOn(bRepo, 'takeCursors').mockImplementation(async (...args) => {
      await aHasStarted;
      return takeOnB(...args);
    });
    const identity = { id: row.id, name: row.name, lastSeq: row.lastSeq };
    const filter = { scopes: ['Ip', 'Range'] };
    try {
      const onB = b.app.get(DecisionsService).stream(identity, false, filter);
      await pollUntil(() => gate.mock.calls.length > 0, 'b to read the cursor');
      const onA = await a.app.get(DecisionsService).stream(identity, false, filter);
      // a's reply never gets out (the client went away); b's does.
      await onA.failed();
      aStarted();
      const replyB = await onB;
      const seen = await read(replyB.body);
      await replyB.delivered();
      const next = await a.app.get(DecisionsService).stream(identity, false, filter);
      seen.push(...(await read(next.body)));
      await next.delivered();
      expect(seen.sort()).toEqual(['192.0.2.81', '192.0.2.82']);
    } finally {
      gate.mockRestore();
    }
  });

  it('never moves a cursor past the database head, even from an index a forged message moved ahead', async () => {
    const key = await a.bouncerKey('forged-ahead');
    await call(a, 'GET', '/v1/decisions/stream?startup=true', { apiKey: key });
    const sync = a.app.get(IndexSync);
    const head = sync.index.head;
    const now = Date.now();
    sync.index.apply({ fromSeq: head + 1, toSeq: head + 1, decisions: [{ id: 9e9, uuid: 'forged', alertId: null, createdAt: now, until: now + 3_600_000, scenario: 'forged', type: 'ban', scope: 'Ip', value: '198.51.100.99', origin: 'cscli', simulated: false, seq: head + 1, ended: false }] });
    const res = await call(a, 'GET', '/v1/decisions/stream', { apiKey: key });
    expect(res.status).toBe(503);
    const ds = a.app.get(DataSource);
    const [{ cursor, dbHead }] = await ds.query("SELECT b.last_seq::int AS cursor, (SELECT seq FROM change_head)::int AS \"dbHead\" FROM bouncers b WHERE name = 'forged-ahead'");
    expect(cursor).toBeLessThanOrEqual(dbHead);
    await pollUntil(() => a.app.get(IndexSync).index.head === head, 'the index to be rebuilt');
    const after = await call(a, 'GET', '/v1/decisions/stream', { apiKey: key });
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body)).not.toContain('198.51.100.99');
  });
});
