import { Bus } from '@lapi/bus';
import { AlertsRepository } from '@lapi/db';
import { newAlert, newDecision, pollUntil } from '@lapi/testing';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

describe('alert pushes: each alert committed once', () => {
  let lapi: TestLapi;
  let token: string;
  const push = (...alerts: Record<string, unknown>[]) => call(lapi, 'POST', '/v1/alerts', { token, body: alerts });
  const count = () => lapi.app.get(AlertsRepository).count();

  beforeAll(async () => {
    lapi = await startTestLapi();
    token = await lapi.machineToken('agent-push');
  });
  afterAll(() => lapi.close());

  it('takes a gzip push of many alerts (it expands far less than the 100 times a decompression bomb is refused at)', async () => {
    const alerts = Array.from({ length: 200 }, (_, i) => newAlert({ decisions: [newDecision({ value: `198.51.${i >> 8}.${i & 255}` })] }));
    const body = gzipSync(JSON.stringify(alerts));
    expect(JSON.stringify(alerts).length / body.length).toBeLessThan(100);
    const res = await call(lapi, 'POST', '/v1/alerts', { token, rawBody: body, headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
    expect(res.body).toHaveLength(200);
  });

  it('answers from the commit when the bus publish fails, and never commits the batch again', async () => {
    const bus = lapi.app.get(Bus);
    const publish = jest.spyOn(bus, 'publishDecisionChanges').mockRejectedValue(new Error('MAX_PAYLOAD_EXCEEDED'));
    try {
      const before = await count();
      // Concurrent pushes share one transaction: a retry of the batch would store each twice.
      const replies = await Promise.all(
        ['192.0.2.61', '192.0.2.62', '192.0.2.63'].map((ip) => push(newAlert({ sourceValue: ip, decisions: [newDecision({ value: ip })] }))),
      );
      expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(publish).toHaveBeenCalled();
      expect(await count()).toBe(before + 3);
    } finally {
      publish.mockRestore();
    }
  });

  it('stores a re-sent alert (same uuid) once and answers with the id it already has', async () => {
    const uuid = randomUUID();
    const alert = { ...newAlert({ sourceValue: '192.0.2.71', decisions: [newDecision({ value: '192.0.2.71' })] }), uuid };
    const before = await count();
    const first = await push(alert);
    const again = await push(alert);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await count()).toBe(before + 1);
    const key = await lapi.bouncerKey();
    // The first test's unpublished changes reach the index through its reconcile: wait for it.
    const lookup = () => call(lapi, 'GET', '/v1/decisions?ip=192.0.2.71', { apiKey: key });
    await pollUntil(async () => (await lookup()).body !== null, 'the decision to reach the index');
    expect((await lookup()).body).toHaveLength(1);
  });

  it('stores an alert sent twice in one group commit once', async () => {
    const uuid = randomUUID();
    const alert = { ...newAlert({ sourceValue: '192.0.2.72', decisions: [newDecision({ value: '192.0.2.72' })] }), uuid };
    const before = await count();
    const replies = await Promise.all([push(alert), push(alert), push(alert, alert)]);
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    const id = replies[0].body[0];
    expect(replies.map((r) => r.body)).toEqual([[id], [id], [id, id]]);
    expect(await count()).toBe(before + 1);
  });

  it('keeps alerts of different machines apart even with the same uuid', async () => {
    const uuid = randomUUID();
    const other = await lapi.machineToken('agent-push-2');
    const alert = { ...newAlert({ sourceValue: '192.0.2.73' }), uuid };
    const mine = await push(alert);
    const theirs = await call(lapi, 'POST', '/v1/alerts', { token: other, body: [alert] });
    expect(theirs.status).toBe(201);
    expect(theirs.body).not.toEqual(mine.body);
  });
});
