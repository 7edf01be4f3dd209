import { BouncersRepository } from '@lapi/db';
import { DataSource } from 'typeorm';
import { DecisionsService } from '@lapi/decisions';
import { newAlert, newDecision, pollUntil } from '@lapi/testing';
import { getFrom } from './support/from-host';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

type Stream = { new: { value: string; id: number; duration: string }[] | null; deleted: { value: string }[] | null };
const values = (list: { value: string }[] | null) => (list ?? []).map((d) => d.value).sort();

describe('decisions stream: cursors, startup, dedup, deletions and expiry', () => {
  let lapi: TestLapi;
  let token: string;

  const push = (...decisions: Record<string, unknown>[]) => call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions })] });
  const poll = async (key: string, query = ''): Promise<Stream> => {
    const res = await call(lapi, 'GET', `/v1/decisions/stream${query}`, { apiKey: key });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    lapi = await startTestLapi();
    token = await lapi.machineToken();
  });
  afterAll(() => lapi.close());

  it('sends everything active at startup, then only what changed since the previous poll', async () => {
    const key = await lapi.bouncerKey();
    await push(newDecision({ value: '10.1.0.1' }), newDecision({ value: '10.1.0.0/16', scope: 'Range' }));
    const first = await poll(key, '?startup=true');
    expect(values(first.new)).toEqual(expect.arrayContaining(['10.1.0.0/16', '10.1.0.1']));
    expect(await poll(key)).toEqual({ new: [], deleted: [] });
    await push(newDecision({ value: '10.1.0.2' }));
    expect(values((await poll(key)).new)).toEqual(['10.1.0.2']);
    expect(await poll(key)).toEqual({ new: [], deleted: [] });
  });

  it('keeps one cursor per bouncer: two bouncers each get every change once', async () => {
    const [a, b] = [await lapi.bouncerKey(), await lapi.bouncerKey()];
    await poll(a, '?startup=true');
    await poll(b, '?startup=true');
    await push(newDecision({ value: '10.2.0.1' }));
    expect(values((await poll(a)).new)).toEqual(['10.2.0.1']);
    await push(newDecision({ value: '10.2.0.2' }));
    expect(values((await poll(b)).new)).toEqual(['10.2.0.1', '10.2.0.2']);
    expect(values((await poll(a)).new)).toEqual(['10.2.0.2']);
  });

  it('gives a key shared by two hosts one cursor per host (name@ip rows)', async () => {
    const key = await lapi.bouncerKey('shared');
    const headers = { 'x-api-key': key };
    const url = `${lapi.url}/v1/decisions/stream`;
    await getFrom(`${url}?startup=true`, '127.0.0.1', headers);
    await getFrom(`${url}?startup=true`, '127.0.0.2', headers);
    await push(newDecision({ value: '10.3.0.1' }));
    expect(values((await getFrom(url, '127.0.0.1', headers)).body.new)).toEqual(['10.3.0.1']);
    expect(values((await getFrom(url, '127.0.0.2', headers)).body.new)).toEqual(['10.3.0.1']);
    const names = (await lapi.app.get(BouncersRepository).list()).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['shared', 'shared@127.0.0.2']));
  });

  it('sends a deleted decision in "deleted", once', async () => {
    const key = await lapi.bouncerKey();
    await push(newDecision({ value: '10.4.0.1' }));
    await poll(key, '?startup=true');
    await call(lapi, 'DELETE', '/v1/decisions?ip=10.4.0.1', { token });
    expect(await poll(key)).toEqual({ new: [], deleted: [expect.objectContaining({ value: '10.4.0.1', duration: expect.stringMatching(/^-/) })] });
    expect(await poll(key)).toEqual({ new: [], deleted: [] });
  });

  it('sends an expired decision in "deleted" once its time has run out', async () => {
    const key = await lapi.bouncerKey();
    await push(newDecision({ value: '10.5.0.1', duration: '1s' }));
    expect(values((await poll(key, '?startup=true')).new)).toContain('10.5.0.1');
    const seen: string[] = [];
    await pollUntil(async () => {
      seen.push(...values((await poll(key)).deleted));
      return seen.includes('10.5.0.1');
    }, 'the expiry to reach the stream', { timeoutMs: 5000, intervalMs: 200 });
    expect(seen.filter((v) => v === '10.5.0.1')).toHaveLength(1);
  });

  it('dedups: sends only the longest of duplicates, and no deletion while a twin is still active', async () => {
    const key = await lapi.bouncerKey();
    await poll(key, '?startup=true');
    await push(newDecision({ value: '10.6.0.1', duration: '1h' }), newDecision({ value: '10.6.0.1', duration: '3h' }));
    const got = await poll(key);
    expect(got.new).toHaveLength(1);
    expect(got.new![0].duration).toMatch(/^2h59m/);
    await call(lapi, 'DELETE', `/v1/decisions/${got.new![0].id}`, { token });
    expect(await poll(key)).toEqual({ new: [expect.objectContaining({ value: '10.6.0.1' })], deleted: [] });
  });

  it('with dedup=false sends every duplicate', async () => {
    const key = await lapi.bouncerKey();
    await poll(key, '?startup=true');
    await push(newDecision({ value: '10.6.1.1', duration: '1h' }), newDecision({ value: '10.6.1.1', duration: '2h' }));
    expect((await poll(key, '?dedup=false')).new).toHaveLength(2);
  });

  it('filters by scopes (ip,range by default), origins and scenarios', async () => {
    const key = await lapi.bouncerKey();
    await push(newDecision({ value: 'DE', scope: 'Country' }), newDecision({ value: '10.7.0.1', origin: 'crowdsec', scenario: 'crowdsecurity/http-probing' }));
    const all = await poll(key, '?startup=true');
    expect(values(all.new)).not.toContain('DE');
    const key2 = await lapi.bouncerKey();
    expect(values((await poll(key2, '?startup=true&scopes=country')).new)).toEqual(['DE']);
    const key3 = await lapi.bouncerKey();
    expect(values((await poll(key3, '?startup=true&origins=crowdsec&scenarios_containing=probing')).new)).toEqual(['10.7.0.1']);
  });

  it('loses and repeats nothing with many concurrent writers and a fast poller', async () => {
    const key = await lapi.bouncerKey();
    await poll(key, '?startup=true');
    const total = 400;
    const received = new Map<string, number>();
    let writing = true;
    const poller = (async () => {
      while (writing) {
        for (const d of (await poll(key)).new ?? []) received.set(d.value, (received.get(d.value) ?? 0) + 1);
      }
    })();
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = w; i < total; i += 8) await push(newDecision({ value: `10.8.${i >> 8}.${i & 255}` }));
      })(),
    );
    await Promise.all(writers);
    writing = false;
    await poller;
    for (const d of (await poll(key)).new ?? []) received.set(d.value, (received.get(d.value) ?? 0) + 1);
    const repeated = [...received].filter(([, n]) => n !== 1);
    expect({ size: received.size, repeated }).toEqual({ size: total, repeated: [] });
    // 400 pushes: seconds on a loaded CI machine.
  }, 30_000);

  it('sends a reply again when its delivery was never confirmed (a replica died mid-reply)', async () => {
    const key = await lapi.bouncerKey('crashy');
    await poll(key, '?startup=true');
    const ds = lapi.app.get(DataSource);
    const [{ last_seq: before }] = await ds.query("SELECT last_seq FROM bouncers WHERE name = 'crashy'");
    await push(newDecision({ value: '10.9.9.9' }));
    expect(values((await poll(key)).new)).toEqual(['10.9.9.9']);
    // As a replica that moved the cursor and then died would leave it: unconfirmed, and overdue.
    await ds.query("UPDATE bouncers SET delivering_from = $1, delivering_until = now() - interval '1 second', delivery_id = 1 WHERE name = 'crashy'", [before]);
    expect(values((await poll(key)).new)).toEqual(['10.9.9.9']);
    expect(await poll(key)).toEqual({ new: [], deleted: [] });
  });

  it('answers a cursor older than memory from the database, with the same result', async () => {
    const key = await lapi.bouncerKey();
    await poll(key, '?startup=true');
    await push(newDecision({ value: '10.9.0.1' }));
    const index = lapi.app.get(DecisionsService)['sync'].index;
    // Pretend memory was evicted up to the head: the delta must come from Postgres.
    (index as unknown as { _coveredFrom: number })._coveredFrom = index.head;
    expect(values((await poll(key)).new)).toEqual(['10.9.0.1']);
  });
});
