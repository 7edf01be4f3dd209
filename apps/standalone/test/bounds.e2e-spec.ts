import { Bus } from '@lapi/bus';
import { DecisionsRepository } from '@lapi/db';
import { newAlert, newDecision } from '@lapi/testing';
import { DecisionChanges } from '@lapi/decision-model';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

describe('bounds', () => {
  let lapi: TestLapi;
  let token: string;
  let apiKey: string;

  beforeAll(async () => {
    lapi = await startTestLapi();
    token = await lapi.machineToken();
    apiKey = await lapi.bouncerKey();
  });
  afterAll(() => lapi.close());

  it('refuses an alert carrying more than 100,000 decisions with a 400 that says so', async () => {
    const decisions = Array.from({ length: 100_001 }, (_, i) => newDecision({ value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
    const res = await call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions })] });
    expect({ status: res.status, message: res.body.message }).toEqual({ status: 400, message: expect.stringMatching(/decisions must NOT have more than 100000 items/) });
  }, 30_000);

  it('refuses list parameters of more than 100 items', async () => {
    const scopes = Array.from({ length: 101 }, (_, i) => `s${i}`).join(',');
    const res = await call(lapi, 'GET', `/v1/decisions/stream?startup=true&scopes=${scopes}`, { apiKey });
    expect({ status: res.status, message: res.body.message }).toEqual({ status: 400, message: expect.stringMatching(/scopes.*at most 100/) });
  });

  it('ends a filter\'s decisions in short transactions, each published as it commits', async () => {
    const decisions = Array.from({ length: 12 }, (_, i) => newDecision({ value: `198.51.100.${i}`, scenario: 'chunked' }));
    expect((await call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions })] })).status).toBe(201);
    const chunks: DecisionChanges[] = [];
    const ended = await lapi.app.get(DecisionsRepository).endByFilter({ scenario: 'chunked' }, async (c) => void chunks.push(c), 5);
    expect(ended).toBe(12);
    expect(chunks.map((c) => c.decisions.length)).toEqual([5, 5, 2]);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].fromSeq).toBe(chunks[i - 1].toSeq + 1);
  });

  it('ends the decisions of the alerts DELETE /v1/alerts deletes in chunks of at most 5000, each published, every one once', async () => {
    const decisions = Array.from({ length: 12_000 }, (_, i) => newDecision({ value: `10.77.${i >> 8}.${i & 255}`, scenario: 'chunked-alert' }));
    expect((await call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions })] })).status).toBe(201);
    const sets: DecisionChanges[] = [];
    const publish = jest.spyOn(lapi.app.get(Bus), 'publishDecisionChanges').mockImplementation(async (c) => void sets.push(c));
    try {
      const res = await call(lapi, 'DELETE', '/v1/alerts?scenario=chunked-alert', { token });
      expect({ status: res.status, nbDeleted: res.body.nbDeleted }).toEqual({ status: 200, nbDeleted: '1' });
      expect(new Set(sets.flatMap((c) => c.decisions.map((d) => d.id))).size).toBe(12_000);
      expect(sets.reduce((n, c) => n + c.decisions.length, 0)).toBe(12_000);
      expect(Math.max(...sets.map((c) => c.decisions.length))).toBeLessThanOrEqual(5000);
      for (const c of sets) expect(c.toSeq - c.fromSeq + 1).toBe(c.decisions.length);
    } finally {
      publish.mockRestore();
    }
  }, 30_000);

  it('deletes every decision with DELETE /v1/decisions and no filter, and bouncers hear of it', async () => {
    await call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions: [newDecision({ value: '203.0.113.5' })] })] });
    const res = await call(lapi, 'DELETE', '/v1/decisions', { token });
    expect(res.status).toBe(200);
    expect(Number(res.body.nbDeleted)).toBeGreaterThan(0);
    expect((await call(lapi, 'GET', '/v1/decisions?ip=203.0.113.5', { apiKey })).body).toBeNull();
  });
});
