import fc from 'fast-check';
import { newAlert, newDecision } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

/**
 * Property-based fuzzing of every route's query and body: whatever a client sends, the answer
 * is never a 5xx and the process stays healthy. Bounded (about 4,000 requests) to stay fast.
 */
const RUNS_PER_QUERY_ROUTE = 250;
const RUNS_PER_BODY_ROUTE = 400;
/** Registration and login spend a bcrypt hash each (about 50 ms by design). */
const RUNS_PER_PASSWORD_ROUTE = 60;

const nasty = fc.constantFrom(
  '', '\u0000', 'a\u0000b', '99999999999999h', '-4h', '0', '-1', '1e309', 'NaN', '18446744073709551616', '9007199254740993',
  'true', 'false', 'Ip', 'ip', 'Range', '1.2.3.4', '::1', '::ffff:1.2.3.4', '10.0.0.0/8', '10.0.0.0/99', '0.0.0.0/0', '::/0',
  '4h', '1.5h', '.5s', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '%', '%00', '\uD800', 'é', ',', ',,,',
);
const text = fc.oneof({ weight: 4, arbitrary: nasty }, fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), fc.integer().map(String), fc.double().map(String));
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), text, fc.integer(), fc.double(), fc.constant(null), fc.boolean());

function queryOf(names: string[]) {
  // Mostly known names, few at a time: an unknown or repeated one is refused before anything else is read.
  const known = names.length ? [{ weight: 9, arbitrary: fc.constantFrom(...names) }] : [];
  const name = fc.oneof(...known, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  return fc.uniqueArray(fc.tuple(name, text), { maxLength: 3, selector: ([n]) => n }).map((pairs) => new URLSearchParams(pairs).toString());
}

const ALERT_QUERY = ['scope', 'value', 'scenario', 'ip', 'range', 'contains', 'since', 'until', 'created_before', 'has_active_decision', 'decision_type', 'origin', 'simulated', 'include_capi', 'limit', 'sort', 'alert_source'];
const DECISION_QUERY = ['scope', 'scopes', 'value', 'type', 'ip', 'range', 'contains', 'origins', 'scenarios_containing', 'scenarios_not_containing', 'dedup', 'simulated', 'scenario', 'origin'];
const STREAM_QUERY = ['startup', 'scope', 'scopes', 'value', 'type', 'ip', 'range', 'contains', 'origins', 'scenarios_containing', 'scenarios_not_containing', 'dedup', 'simulated', 'community_pull', 'additional_pull'];

const patch = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys), anyJson, { maxKeys: 3 });
const alertBody = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(patch(Object.keys(newAlert())), patch(['scope', 'value', 'ip', 'range', 'as_number', 'as_name', 'cn', 'latitude', 'longitude']), patch([...Object.keys(newDecision()), 'until', 'simulated', 'uuid']))
    .map(([a, s, d]) => {
      const alert = newAlert({ decisions: [{ ...newDecision(), ...d }] });
      return [{ ...alert, ...a, source: { ...(alert.source as object), ...s } }];
    }) },
  { weight: 1, arbitrary: anyJson },
);
// Many machine ids: one id from one address is throttled (429) after 5 failures, and the code past
// the throttle would then hardly be reached.
const credentials = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.nat(), patch(['machine_id', 'password', 'scenarios', 'registration_token'])).map(([n, p]) => ({ machine_id: `fuzz-machine-${n}`, password: 'fuzz-password', ...p })) },
  { weight: 1, arbitrary: anyJson },
);

jest.setTimeout(30_000);

describe('fuzzing every route', () => {
  let lapi: TestLapi;
  let token: string;
  let apiKey: string;
  let freshToken: string;

  beforeAll(async () => {
    lapi = await startTestLapi();
    token = await lapi.machineToken('fuzz-agent');
    apiKey = await lapi.bouncerKey('fuzz-bouncer');
    freshToken = await lapi.machineToken('after-fuzz');
  });
  afterAll(() => lapi.close());

  async function noServerError(method: string, path: string, opts: Parameters<typeof call>[3]): Promise<void> {
    const res = await call(lapi, method, path, opts);
    if (res.status >= 500) throw new Error(`${method} ${path} ${JSON.stringify(opts?.body ?? '')} → ${res.status} ${JSON.stringify(res.body)}`);
  }

  const queryRoutes: [string, string, string[], 'token' | 'apiKey' | 'none'][] = [
    ['GET', '/v1/alerts', ALERT_QUERY, 'token'],
    ['DELETE', '/v1/alerts', ALERT_QUERY, 'token'],
    ['GET', '/v1/decisions', DECISION_QUERY, 'apiKey'],
    ['GET', '/v1/decisions/stream', STREAM_QUERY, 'apiKey'],
    ['DELETE', '/v1/decisions', DECISION_QUERY, 'token'],
    ['GET', '/v1/heartbeat', [], 'token'],
    ['GET', '/health', [], 'none'],
    ['GET', '/health/live', [], 'none'],
    ['GET', '/health/ready', [], 'none'],
  ];

  it.each(queryRoutes)('answers %s %s with no 5xx whatever the query', async (method, path, names, auth) => {
    const creds = auth === 'token' ? { token } : auth === 'apiKey' ? { apiKey } : {};
    await fc.assert(fc.asyncProperty(queryOf(names), (q) => noServerError(method, q ? `${path}?${q}` : path, creds)), { numRuns: RUNS_PER_QUERY_ROUTE });
  });

  it('answers id routes with no 5xx whatever the id', async () => {
    const id = fc.oneof(text, fc.bigInt().map(String)).map((s) => encodeURIComponent(Buffer.from(s).toString()));
    await fc.assert(
      fc.asyncProperty(id, fc.constantFrom('GET /v1/alerts/', 'DELETE /v1/alerts/', 'DELETE /v1/decisions/'), async (i, route) => {
        const [method, prefix] = route.split(' ');
        await noServerError(method, `${prefix}${i}`, { token });
      }),
      { numRuns: RUNS_PER_QUERY_ROUTE },
    );
  });

  it('answers POST /v1/alerts with no 5xx whatever the body', async () => {
    await fc.assert(fc.asyncProperty(alertBody, (body) => noServerError('POST', '/v1/alerts', { token, body })), { numRuns: RUNS_PER_BODY_ROUTE });
  });

  it.each(['/v1/watchers', '/v1/watchers/login'])('answers POST %s with no 5xx whatever the body', async (path) => {
    await fc.assert(fc.asyncProperty(credentials, (body) => noServerError('POST', path, { body })), { numRuns: RUNS_PER_PASSWORD_ROUTE });
  });

  it('is still healthy and serving afterwards', async () => {
    expect((await call(lapi, 'GET', '/health/ready')).status).toBe(200);
    const pushed = await call(lapi, 'POST', '/v1/alerts', { token: freshToken, body: [newAlert({ sourceValue: '203.0.113.99', decisions: [newDecision({ value: '203.0.113.99' })] })] });
    expect(pushed.status).toBe(201);
    expect((await call(lapi, 'GET', '/v1/decisions?ip=203.0.113.99', { apiKey })).body).toHaveLength(1);
  });
});
