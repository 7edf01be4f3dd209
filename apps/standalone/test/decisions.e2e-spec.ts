import { newAlert, newDecision } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

describe('decisions: pushing, looking up and deleting', () => {
  let lapi: TestLapi;
  let token: string;
  let key: string;

  const push = (decisions: Record<string, unknown>[] | null, o: Parameters<typeof newAlert>[0] = {}) =>
    call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ ...o, decisions })] });
  const lookup = (query: string) => call(lapi, 'GET', `/v1/decisions?${query}`, { apiKey: key });

  beforeAll(async () => {
    lapi = await startTestLapi();
    token = await lapi.machineToken();
    key = await lapi.bouncerKey();
    const res = await push([
      newDecision({ value: '198.51.100.7' }),
      newDecision({ value: '203.0.113.0/24', scope: 'Range' }),
      newDecision({ value: '2001:db8::1', duration: '1h' }),
      newDecision({ value: '2001:db8:1::/48', scope: 'range', type: 'captcha' }),
      newDecision({ value: 'FR', scope: 'Country', duration: '30m' }),
      newDecision({ value: 'bob', scope: 'Username', origin: 'crowdsec', scenario: 'crowdsecurity/http-bf' }),
    ]);
    expect(res.status).toBe(201);
  });
  afterAll(() => lapi.close());

  it('answers a pushed alert with its id as a string', async () => {
    const res = await push([newDecision({ value: '192.0.2.77' })]);
    expect(res.body).toEqual([expect.stringMatching(/^\d+$/)]);
  });

  it('finds an Ip decision by its address, with the remaining duration', async () => {
    const res = await lookup('ip=198.51.100.7');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({ value: '198.51.100.7', scope: 'Ip', type: 'ban', origin: 'cscli', id: expect.any(Number) }),
    ]);
    expect(res.body[0].duration).toMatch(/^3h59m5\d/);
    // Upstream omits simulated when it is false.
    expect(res.body[0]).not.toHaveProperty('simulated');
  });

  it('finds a Range decision for any address inside it, v4 and v6', async () => {
    expect((await lookup('ip=203.0.113.200')).body).toEqual([expect.objectContaining({ value: '203.0.113.0/24', scope: 'Range' })]);
    expect((await lookup('ip=2001:db8:1:ffff::9')).body).toEqual([expect.objectContaining({ value: '2001:db8:1::/48', type: 'captcha' })]);
    expect((await lookup('ip=2001:db8::1')).body).toEqual([expect.objectContaining({ value: '2001:db8::1', scope: 'Ip' })]);
  });

  it('answers null for an address with no decision', async () => {
    const res = await lookup('ip=203.0.114.1');
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });

  it('with contains=false finds the decisions inside a range instead', async () => {
    const inside = await lookup('range=198.51.100.0/24&contains=false');
    expect(inside.body.map((d: { value: string }) => d.value)).toEqual(['198.51.100.7']);
    expect((await lookup('range=203.0.113.0/25&contains=false')).body).toBeNull();
    expect((await lookup('range=203.0.113.0/25')).body).toEqual([expect.objectContaining({ value: '203.0.113.0/24' })]);
  });

  it('finds other scopes by value, and filters by type, origin and scenario', async () => {
    expect((await lookup('scope=country&value=FR')).body).toEqual([expect.objectContaining({ scope: 'Country', value: 'FR' })]);
    // Other tests add decisions of their own: check what each filter keeps and drops, not counts.
    type D = { value: string; type: string; origin: string; scenario: string };
    const captcha: D[] = (await lookup('type=captcha')).body;
    expect(captcha.map((d) => d.value)).toContain('2001:db8:1::/48');
    expect(captcha.every((d) => d.type === 'captcha')).toBe(true);
    const fromCrowdsec: D[] = (await lookup('origins=crowdsec')).body;
    expect(fromCrowdsec.map((d) => d.value)).toContain('bob');
    expect(fromCrowdsec.every((d) => d.origin === 'crowdsec')).toBe(true);
    const http: D[] = (await lookup('scenarios_containing=HTTP')).body;
    expect(http.map((d) => d.value)).toContain('bob');
    expect(http.every((d) => /http/i.test(d.scenario))).toBe(true);
    const notHttp: D[] = (await lookup('scenarios_not_containing=http')).body;
    expect(notHttp.map((d) => d.value)).toEqual(expect.arrayContaining(['198.51.100.7', 'FR']));
    expect(notHttp.map((d) => d.value)).not.toContain('bob');
  });

  it('keeps only the longest decision per scope, value and type unless dedup=false', async () => {
    await push([newDecision({ value: '192.0.2.50', duration: '1h' }), newDecision({ value: '192.0.2.50', duration: '5h' })]);
    const deduped = (await lookup('ip=192.0.2.50')).body;
    expect(deduped).toHaveLength(1);
    expect(deduped[0].duration).toMatch(/^4h59m/);
    expect((await lookup('ip=192.0.2.50&dedup=false')).body).toHaveLength(2);
  });

  it('gives an alert without decisions a 4h ban on its source (default profile)', async () => {
    expect((await push(null, { sourceValue: '192.0.2.99' })).status).toBe(201);
    const res = await lookup('ip=192.0.2.99');
    expect(res.body).toEqual([expect.objectContaining({ origin: 'crowdsec', type: 'ban', scenario: 'crowdsecurity/ssh-bf' })]);
    expect(res.body[0].duration).toMatch(/^3h59m/);
  });

  it('does not ban for an alert that asks for no remediation', async () => {
    await push(null, { sourceValue: '192.0.2.98', remediation: false });
    expect((await lookup('ip=192.0.2.98')).body).toBeNull();
  });

  it('deletes decisions by filter, answering how many as a string, and they stop matching', async () => {
    await push([newDecision({ value: '192.0.2.60' })]);
    const res = await call(lapi, 'DELETE', '/v1/decisions?ip=192.0.2.60', { token });
    expect(res).toMatchObject({ status: 200, body: { nbDeleted: '1' } });
    expect((await lookup('ip=192.0.2.60')).body).toBeNull();
    expect((await call(lapi, 'DELETE', '/v1/decisions?ip=192.0.2.60', { token })).body).toEqual({ nbDeleted: '0' });
  });

  it('deletes one decision by id, and 404s an unknown one', async () => {
    await push([newDecision({ value: '192.0.2.61' })]);
    const [d] = (await lookup('ip=192.0.2.61')).body;
    expect((await call(lapi, 'DELETE', `/v1/decisions/${d.id}`, { token })).body).toEqual({ nbDeleted: '1' });
    expect((await lookup('ip=192.0.2.61')).body).toBeNull();
    const missing = await call(lapi, 'DELETE', '/v1/decisions/999999', { token });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toEqual(expect.any(String));
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await call(lapi, 'HEAD', '/v1/decisions?ip=198.51.100.7', { apiKey: key });
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
  });

  it('refuses bouncer routes without a valid key (403), and machine routes to a bouncer key', async () => {
    expect((await call(lapi, 'GET', '/v1/decisions')).status).toBe(403);
    expect((await call(lapi, 'GET', '/v1/decisions', { apiKey: 'nope' })).status).toBe(403);
    expect((await call(lapi, 'DELETE', '/v1/decisions', { apiKey: key })).status).toBe(401);
  });
});
