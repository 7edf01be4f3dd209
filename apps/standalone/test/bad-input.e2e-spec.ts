import { gzipSync } from 'node:zlib';
import { newAlert, newDecision } from '@lapi/testing';
import { MachinesService } from '@lapi/machines';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

/** Every malformed request gets a 4xx with a JSON message: never a 500, a crash or a partial write. */
describe('bad input', () => {
  let lapi: TestLapi;
  let token: string;
  let key: string;

  beforeAll(async () => {
    lapi = await startTestLapi({ maxBodyBytes: 64 * 1024 });
    token = await lapi.machineToken();
    key = await lapi.bouncerKey();
  });
  afterAll(() => lapi.close());

  const alertWith = (patch: Record<string, unknown>) => [{ ...newAlert({ decisions: [newDecision()] }), ...patch }];
  const decisionWith = (patch: Record<string, unknown>) => [newAlert({ decisions: [{ ...newDecision(), ...patch }] })];

  const cases: [string, () => Parameters<typeof call>, number, RegExp][] = [
    ['malformed JSON', () => [lapi, 'POST', '/v1/alerts', { token, rawBody: '[{"scenario": ' }], 400, /invalid JSON/],
    ['a gzip header on plain JSON', () => [lapi, 'POST', '/v1/alerts', { token, rawBody: '[]', headers: { 'content-encoding': 'gzip' } }], 400, /gzip/],
    ['truncated gzip', () => [lapi, 'POST', '/v1/alerts', { token, rawBody: gzipSync('[1,2,3]').subarray(0, 12), headers: { 'content-encoding': 'gzip' } }], 400, /gzip/],
    ['an empty body', () => [lapi, 'POST', '/v1/alerts', { token, rawBody: '' }], 400, /empty/],
    ['an object instead of an array of alerts', () => [lapi, 'POST', '/v1/alerts', { token, body: { scenario: 'x' } }], 400, /array/],
    ['a wrong type (events_count as text)', () => [lapi, 'POST', '/v1/alerts', { token, body: alertWith({ events_count: 'six' }) }], 400, /events_count/],
    // Found by the fuzz run: a count beyond the int32 column was a 500 from Postgres.
    ['an events_count beyond int32', () => [lapi, 'POST', '/v1/alerts', { token, body: alertWith({ events_count: 1480968820186026 }) }], 400, /events_count/],
    ['a capacity beyond int32', () => [lapi, 'POST', '/v1/alerts', { token, body: alertWith({ capacity: 2 ** 31 }) }], 400, /capacity/],
    ['a missing required field (source)', () => [lapi, 'POST', '/v1/alerts', { token, body: alertWith({ source: undefined }) }], 400, /source/],
    ['an invalid IP in an Ip decision', () => [lapi, 'POST', '/v1/alerts', { token, body: decisionWith({ value: '300.1.2.3' }) }], 400, /300\.1\.2\.3/],
    ['an invalid CIDR in a Range decision', () => [lapi, 'POST', '/v1/alerts', { token, body: decisionWith({ scope: 'Range', value: '10.0.0.0/40' }) }], 400, /CIDR/],
    ['an invalid duration', () => [lapi, 'POST', '/v1/alerts', { token, body: decisionWith({ duration: '4 hours' }) }], 400, /duration/],
    ['a negative duration', () => [lapi, 'POST', '/v1/alerts', { token, body: decisionWith({ duration: '-4h' }) }], 400, /duration/],
    ['an invalid start_at', () => [lapi, 'POST', '/v1/alerts', { token, body: alertWith({ start_at: 'yesterday' }) }], 400, /start_at/],
    ['an oversized body', () => [lapi, 'POST', '/v1/alerts', { token, rawBody: JSON.stringify([newAlert({ decisions: null })]).padEnd(70 * 1024, ' ') }], 413, /too large/],
    ['a gzip bomb', () => [lapi, 'POST', '/v1/alerts', { token, rawBody: gzipSync(Buffer.alloc(2 * 1024 * 1024, 32)), headers: { 'content-encoding': 'gzip' } }], 413, /too large/],
    ['an unknown deletion filter (a machine route refuses it, as upstream)', () => [lapi, 'DELETE', '/v1/decisions?colour=red', { token }], 400, /unknown parameter 'colour'/],
    ['an invalid ip filter', () => [lapi, 'GET', '/v1/decisions?ip=1.2.3', { apiKey: key }], 400, /not a valid IP/],
    ['an invalid range filter', () => [lapi, 'GET', '/v1/decisions?range=10.0.0.0/99', { apiKey: key }], 400, /not a valid IP range/],
    ['a non-boolean contains', () => [lapi, 'GET', '/v1/decisions?ip=1.2.3.4&contains=maybe', { apiKey: key }], 400, /true or false/],
    ['a repeated parameter', () => [lapi, 'GET', '/v1/decisions?ip=1.2.3.4&ip=1.2.3.5', { apiKey: key }], 400, /more than once/],
    ['a non-boolean startup', () => [lapi, 'GET', '/v1/decisions/stream?startup=yes', { apiKey: key }], 400, /startup/],
    ['an unknown alerts filter', () => [lapi, 'GET', '/v1/alerts?foo=bar', { token }], 400, /unknown parameter/],
    ['a huge limit', () => [lapi, 'GET', '/v1/alerts?limit=100000000', { token }], 400, /limit/],
    ['a negative limit', () => [lapi, 'GET', '/v1/alerts?limit=-1', { token }], 400, /limit/],
    ['an invalid since', () => [lapi, 'GET', '/v1/alerts?since=last-week', { token }], 400, /since/],
    ['a since beyond any date', () => [lapi, 'GET', '/v1/alerts?since=99999999999999h', { token }], 400, /since/],
    ['a created_before beyond any date', () => [lapi, 'GET', '/v1/alerts?created_before=99999999999999h', { token }], 400, /created_before/],
    ['an until beyond any date, on deletion', () => [lapi, 'DELETE', '/v1/alerts?until=99999999999999h', { token }], 400, /until/],
    ['a NUL in an alert filter', () => [lapi, 'GET', '/v1/alerts?scenario=a%00b', { token }], 400, /scenario.*NUL/],
    ['a NUL in a decisions filter', () => [lapi, 'GET', '/v1/decisions?scenarios_containing=a%00b', { apiKey: key }], 400, /scenarios_containing.*NUL/],
    ['a NUL in a deletion filter', () => [lapi, 'DELETE', '/v1/decisions?scenario=a%00b', { token }], 400, /scenario.*NUL/],
    ['a NUL in an alert scenario', () => [lapi, 'POST', '/v1/alerts', { token, body: alertWith({ scenario: 'ssh\u0000bf' }) }], 400, /0\.scenario.*NUL/],
    ['a NUL in a decision value', () => [lapi, 'POST', '/v1/alerts', { token, body: decisionWith({ scope: 'username', value: 'ro\u0000ot' }) }], 400, /0\.decisions\.0\.value.*NUL/],
    ['a NUL in a registering machine_id', () => [lapi, 'POST', '/v1/watchers', { body: { machine_id: 'a\u0000b', password: 'p' } }], 400, /machine_id/],
    ['a NUL in a login machine_id', () => [lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'a\u0000b', password: 'p' } }], 401, /machine_id.*NUL/],
    ['a non-numeric alert id', () => [lapi, 'GET', '/v1/alerts/abc', { token }], 400, /not a number/],
    ['a non-numeric decision id', () => [lapi, 'DELETE', '/v1/decisions/1;drop', { token }], 400, /not a number/],
    ['an invalid delete filter', () => [lapi, 'DELETE', '/v1/decisions?ip=banana', { token }], 400, /not a valid IP/],
    ['a registration without password', () => [lapi, 'POST', '/v1/watchers', { body: { machine_id: 'x' } }], 400, /password/],
    ['a registration with a numeric machine_id', () => [lapi, 'POST', '/v1/watchers', { body: { machine_id: 42, password: 'p' } }], 400, /machine_id/],
    ['an unknown route', () => [lapi, 'GET', '/v1/nothing-here', { token }], 404, /./],
    ['a wrong content type', () => [lapi, 'POST', '/v1/watchers', { rawBody: 'machine_id=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }], 415, /content type/],
  ];

  it.each(cases)('answers %s with a clear 4xx', async (_name, args, status, message) => {
    const res = await call(...args());
    expect({ status: res.status, message: res.body?.message }).toEqual({ status, message: expect.stringMatching(message) });
  });

  // Upstream's LAPI (1.4.6 as 1.7) reads the parameters it knows on the bouncer routes and ignores
  // the others: a newer bouncer, or a proxy, may add one.
  it.each([
    '/v1/decisions?ip=192.0.2.1&foo=bar',
    '/v1/decisions?scopes=Ip&colour=red&colour=blue',
    '/v1/decisions/stream?startup=true&foo=1',
    '/v1/decisions/stream?startup=true&community_pull=false&additional_pull=false',
    '/v1/decisions/stream?community_pull=maybe&additional_pull=',
  ])('answers a bouncer\'s %s, ignoring what it does not know', async (path) => {
    expect((await call(lapi, 'GET', path, { apiKey: key })).status).toBe(200);
  });

  it('stores free text holding a NUL (a forwarded log line) with the NUL replaced, so the agent does not retry forever', async () => {
    const other = await startTestLapi();
    try {
      const t = await other.machineToken();
      const alert = newAlert({ sourceValue: '192.0.2.40' });
      alert.message = 'line\u0000one';
      alert.events = [{ timestamp: new Date().toISOString(), meta: [{ key: 'log', value: 'GET /\u0000 HTTP/1.1' }] }];
      alert.meta = [{ key: 'service', value: 'ss\u0000h' }];
      const res = await call(other, 'POST', '/v1/alerts', { token: t, body: [alert] });
      expect(res.status).toBe(201);
      const stored = (await call(other, 'GET', `/v1/alerts/${res.body[0]}`, { token: t })).body;
      expect(stored.message).toBe('line\uFFFDone');
      expect(stored.events[0].meta[0].value).toBe('GET /\uFFFD HTTP/1.1');
      expect(stored.meta[0].value).toBe('ss\uFFFDh');
    } finally {
      await other.close();
    }
  });

  it('logs in an agent whose scenario list holds a NUL (stored with the NUL replaced)', async () => {
    await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'nul-agent', password: 'nul-password' } });
    await lapi.app.get(MachinesService).validate('nul-agent');
    const res = await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'nul-agent', password: 'nul-password', scenarios: ['a\u0000b'] } });
    expect(res.status).toBe(200);
  });

  it('is still healthy and has written nothing after all of that', async () => {
    expect((await call(lapi, 'GET', '/health')).body).toEqual({ status: 'up' });
    expect((await call(lapi, 'GET', '/v1/alerts', { token })).body).toBeNull();
  });
});
