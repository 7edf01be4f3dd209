import { AlertsRepository } from '@lapi/db';
import { RetentionService } from '@lapi/alerts';
import { newAlert, newDecision } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

// Two tests start a LAPI of their own: seconds on a loaded CI machine.
jest.setTimeout(30_000);

describe('alerts: push, search, inspect, delete, retention', () => {
  let lapi: TestLapi;
  let token: string;
  const push = (...alerts: Record<string, unknown>[]) => call(lapi, 'POST', '/v1/alerts', { token, body: alerts });
  const search = (query: string) => call(lapi, 'GET', `/v1/alerts?${query}`, { token });

  beforeAll(async () => {
    lapi = await startTestLapi({ flushMaxItems: 1000 });
    token = await lapi.machineToken('agent-1');
    await push(
      newAlert({ sourceValue: '192.0.2.1', decisions: [newDecision({ value: '192.0.2.1' })] }),
      newAlert({ sourceValue: '192.0.2.2', scenario: 'crowdsecurity/http-probing', decisions: [newDecision({ value: '192.0.2.2', origin: 'crowdsec', type: 'captcha' })] }),
      newAlert({ sourceValue: '198.51.100.0/24', sourceScope: 'Range', decisions: [newDecision({ value: '198.51.100.0/24', scope: 'Range' })] }),
      newAlert({ sourceValue: '192.0.2.3', remediation: false }),
    );
  });
  afterAll(() => lapi.close());

  it('lists alerts newest first with every field the swagger requires', async () => {
    const res = await search('');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(4);
    const a = res.body.find((x: { source: { value: string } }) => x.source.value === '192.0.2.1');
    expect(a).toEqual(
      expect.objectContaining({
        id: expect.any(Number), machine_id: 'agent-1', scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'abc123', scenario_version: '0.1',
        message: expect.any(String), events_count: 6, start_at: expect.any(String), stop_at: expect.any(String), capacity: 5,
        leakspeed: '10s', simulated: false, remediation: true, created_at: expect.any(String), uuid: expect.any(String),
        source: expect.objectContaining({ scope: 'Ip', value: '192.0.2.1', ip: '192.0.2.1' }),
        events: [expect.objectContaining({ timestamp: expect.any(String), meta: [{ key: 'source_ip', value: '192.0.2.1' }] })],
        meta: [{ key: 'service', value: 'ssh' }],
        decisions: [expect.objectContaining({ value: '192.0.2.1', scope: 'Ip', origin: 'cscli', duration: expect.stringMatching(/^3h59m/) })],
      }),
    );
    expect(res.body.map((x: { id: number }) => x.id)).toEqual([...res.body.map((x: { id: number }) => x.id)].sort((p, q) => q - p));
  });

  it('filters as cscli decisions list does (has_active_decision, include_capi=false)', async () => {
    const res = await search('has_active_decision=true&include_capi=false&limit=100');
    expect(res.body.map((a: { source: { value: string } }) => a.source.value).sort()).toEqual(['192.0.2.1', '192.0.2.2', '198.51.100.0/24']);
  });

  it('filters by ip (range containing it), scope/value, scenario, decision type, origin and limit', async () => {
    expect((await search('ip=198.51.100.42')).body.map((a: { source: { value: string } }) => a.source.value)).toEqual(['198.51.100.0/24']);
    expect((await search('range=198.51.100.0/24&contains=false')).body).toHaveLength(1);
    expect((await search('scope=ip&value=192.0.2.2')).body).toHaveLength(1);
    expect((await search('scenario=crowdsecurity/http-probing')).body).toHaveLength(1);
    expect((await search('decision_type=captcha')).body).toHaveLength(1);
    expect((await search('origin=crowdsec')).body).toHaveLength(1);
    expect((await search('limit=2')).body).toHaveLength(2);
    expect((await search('since=1h')).body).toHaveLength(4);
    expect((await search('until=1h')).body).toBeNull();
  });

  it('inspects one alert by id and 404s an unknown one', async () => {
    const [first] = (await search('limit=1')).body;
    expect((await call(lapi, 'GET', `/v1/alerts/${first.id}`, { token })).body).toEqual(first);
    const missing = await call(lapi, 'GET', '/v1/alerts/987654', { token });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: expect.any(String) });
  });

  it('deleting an alert ends its decisions, so bouncers stop matching them', async () => {
    // Its own LAPI: deleting the shared alerts would change what the other tests find.
    const own = await startTestLapi();
    try {
      const t = await own.machineToken();
      const key = await own.bouncerKey();
      await call(own, 'POST', '/v1/alerts', { token: t, body: [
        newAlert({ sourceValue: '192.0.2.2', decisions: [newDecision({ value: '192.0.2.2' })] }),
        newAlert({ sourceValue: '198.51.100.0/24', sourceScope: 'Range', decisions: [newDecision({ value: '198.51.100.0/24', scope: 'Range' })] }),
      ] });
      expect((await call(own, 'GET', '/v1/decisions?ip=192.0.2.2', { apiKey: key })).body).toHaveLength(1);
      expect((await call(own, 'DELETE', '/v1/alerts?ip=192.0.2.2', { token: t })).body).toEqual({ nbDeleted: '1' });
      expect((await call(own, 'GET', '/v1/decisions?ip=192.0.2.2', { apiKey: key })).body).toBeNull();
      const [a] = (await call(own, 'GET', '/v1/alerts?scope=Range', { token: t })).body;
      expect((await call(own, 'DELETE', `/v1/alerts/${a.id}`, { token: t })).body).toEqual({ nbDeleted: '1' });
      expect((await call(own, 'GET', '/v1/decisions?ip=198.51.100.1', { apiKey: key })).body).toBeNull();
    } finally {
      await own.close();
    }
  });

  it('writes an alert and its decisions all or nothing', async () => {
    const before = await lapi.app.get(AlertsRepository).count();
    const res = await push(newAlert({ sourceValue: '192.0.2.9', decisions: [newDecision({ value: '192.0.2.9' }), newDecision({ value: 'not-an-ip' })] }));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/not-an-ip/);
    expect(await lapi.app.get(AlertsRepository).count()).toBe(before);
  });

  it('retention drops alerts beyond max_items but keeps those with active decisions', async () => {
    const small = await startTestLapi({ flushMaxItems: 2 });
    try {
      const t = await small.machineToken();
      for (let i = 0; i < 4; i++) await call(small, 'POST', '/v1/alerts', { token: t, body: [newAlert({ sourceValue: `192.0.2.${i}`, remediation: false })] });
      await call(small, 'POST', '/v1/alerts', { token: t, body: [newAlert({ sourceValue: '192.0.2.200', decisions: [newDecision({ value: '192.0.2.200' })] })] });
      await call(small, 'POST', '/v1/alerts', { token: t, body: [newAlert({ sourceValue: '192.0.2.201', remediation: false })] });
      // Oldest-first the active-decision alert is third newest: it must survive.
      await call(small, 'POST', '/v1/alerts', { token: t, body: [newAlert({ sourceValue: '192.0.2.202', remediation: false })] });
      await small.app.get(RetentionService).flush();
      const left = (await call(small, 'GET', '/v1/alerts?limit=0', { token: t })).body.map((a: { source: { value: string } }) => a.source.value);
      expect(left.sort()).toEqual(['192.0.2.200', '192.0.2.201', '192.0.2.202']);
    } finally {
      await small.close();
    }
  });
});
