/**
 * What CrowdSec 1.6/1.7 agents and bouncers send, rebuilt from upstream's source (crowdsec
 * v1.7.8: pkg/apiclient/useragent, cmd/crowdsec/lpmetrics.go; go-cs-bouncer: metrics.go,
 * stream_bouncer.go; crowdsec-firewall-bouncer's metrics updater): the requests at start, on
 * every poll and on every metrics push, with their headers and bodies, and upstream's answers.
 * No 1.6+ binary is installed here, so these are built from the code, not captured.
 */
export interface TraceStep {
  name: string;
  method: 'GET' | 'POST';
  /** The path and query as sent. */
  path: string;
  credential: 'login' | 'token' | 'api-key';
  userAgent: string;
  body?: unknown;
  /** Upstream's answer: its status, and its body where the client reads it (`''`: none). */
  expect: { status: number; body?: unknown; bodyMatches?: (body: any) => boolean };
}

/** crowdsec's useragent.Default(): `crowdsec/` + version.String() + `-` + version.System. */
export const AGENT_17_USER_AGENT = 'crowdsec/v1.7.8-debian-pragmatic-amd64-a88b497b-linux';
/** go-cs-bouncer clients send `<bouncer type>/<version>`. */
export const FIREWALL_BOUNCER_USER_AGENT = 'crowdsec-firewall-bouncer/v0.0.31-debian-pragmatic-amd64-3b2e6a2c';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** lpmetrics.go's metricsPayload: one log processor, its hub state and data sources, one window of items. */
export function agentUsageMetrics(startedAt = nowSeconds() - 60) {
  return {
    log_processors: [
      {
        version: 'v1.7.8-debian-pragmatic-amd64-a88b497b',
        os: { name: 'debian', version: '12' },
        feature_flags: ['re2_grok_support'],
        utc_startup_timestamp: startedAt,
        metrics: [
          {
            meta: { utc_now_timestamp: nowSeconds(), window_size_seconds: 1800 },
            items: [
              { name: 'read', unit: 'line', value: 120, labels: { datasource_type: 'file', source: '/var/log/auth.log' } },
              { name: 'parsed', unit: 'line', value: 110, labels: { datasource_type: 'file', source: '/var/log/auth.log', parser_name: 'crowdsecurity/sshd-logs', parser_stage: 's01-parse' } },
              { name: 'unparsed', unit: 'line', value: 10, labels: { datasource_type: 'file', source: '/var/log/auth.log' } },
            ],
          },
        ],
        datasources: { file: 2, journalctl: 1 },
        hub_items: {
          collections: [{ name: 'crowdsecurity/linux', status: 'official', version: '0.2' }, { name: 'crowdsecurity/sshd', status: 'official', version: '0.6' }],
          parsers: [{ name: 'crowdsecurity/sshd-logs', status: 'official', version: '2.9' }],
          scenarios: [{ name: 'crowdsecurity/ssh-bf', status: 'tainted', version: '0.3' }],
        },
      },
    ],
  };
}

/** go-cs-bouncer's metricsPayload with the firewall bouncer's updater: one remediation component, items per origin. */
export function bouncerUsageMetrics(startedAt = nowSeconds() - 60) {
  return {
    remediation_components: [
      {
        version: 'v0.0.31-debian-pragmatic-amd64-3b2e6a2c',
        os: { name: 'debian', family: 'debian', version: '12' },
        feature_flags: [],
        utc_startup_timestamp: startedAt,
        type: 'crowdsec-firewall-bouncer',
        metrics: [
          {
            meta: { utc_now_timestamp: nowSeconds(), window_size_seconds: 900 },
            items: [
              { name: 'active_decisions', unit: 'ip', value: 12, labels: { origin: 'CAPI', ip_type: 'ipv4' } },
              { name: 'active_decisions', unit: 'ip', value: 3, labels: { origin: 'crowdsec', ip_type: 'ipv4' } },
              { name: 'dropped', unit: 'byte', value: 4096, labels: { origin: 'crowdsec', ip_type: 'ipv4' } },
              { name: 'dropped', unit: 'packet', value: 64, labels: { origin: 'crowdsec', ip_type: 'ipv4' } },
              { name: 'processed', unit: 'byte', value: 1048576, labels: { ip_type: 'ipv4' } },
              { name: 'processed', unit: 'packet', value: 2048, labels: { ip_type: 'ipv4' } },
            ],
          },
        ],
      },
    ],
  };
}

const isLogin = (b: any) => b?.code === 200 && typeof b.token === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(b.expire);
const isStream = (b: any) => b !== null && typeof b === 'object' && 'new' in b && 'deleted' in b;

/** A 1.7 agent: login with its scenarios, a usage metrics push at start (then every 30 minutes), a heartbeat every minute. */
export function agent17Trace(machineId: string, password: string): TraceStep[] {
  return [
    {
      name: 'login',
      method: 'POST',
      path: '/v1/watchers/login',
      credential: 'login',
      userAgent: AGENT_17_USER_AGENT,
      body: { machine_id: machineId, password, scenarios: ['crowdsecurity/ssh-bf', 'crowdsecurity/ssh-slow-bf'] },
      expect: { status: 200, bodyMatches: isLogin },
    },
    { name: 'usage metrics at start', method: 'POST', path: '/v1/usage-metrics', credential: 'token', userAgent: AGENT_17_USER_AGENT, body: agentUsageMetrics(), expect: { status: 201, body: '' } },
    { name: 'heartbeat', method: 'GET', path: '/v1/heartbeat', credential: 'token', userAgent: AGENT_17_USER_AGENT, expect: { status: 200 } },
    { name: 'usage metrics, next window', method: 'POST', path: '/v1/usage-metrics', credential: 'token', userAgent: AGENT_17_USER_AGENT, body: agentUsageMetrics(), expect: { status: 201, body: '' } },
  ];
}

/**
 * `cscli lapi register --token` of a 1.7 host: the machine registers with an auto-registration
 * token from an allowed range, and is validated at once (upstream's 202, no body).
 */
export function agentRegistrationStep(machineId: string, password: string, registrationToken: string): TraceStep {
  return {
    name: 'register with a token',
    method: 'POST',
    path: '/v1/watchers',
    credential: 'login',
    userAgent: AGENT_17_USER_AGENT,
    body: { machine_id: machineId, password, registration_token: registrationToken },
    expect: { status: 202, body: '' },
  };
}

/** A 1.6+ firewall bouncer: the stream at start, polls, and a usage metrics push (every 15 minutes). */
export function bouncer17Trace(): TraceStep[] {
  const poll = (name: string, path: string): TraceStep => ({ name, method: 'GET', path, credential: 'api-key', userAgent: FIREWALL_BOUNCER_USER_AGENT, expect: { status: 200, bodyMatches: isStream } });
  return [
    poll('stream at start', '/v1/decisions/stream?startup=true'),
    poll('poll', '/v1/decisions/stream?startup=false'),
    { name: 'usage metrics', method: 'POST', path: '/v1/usage-metrics', credential: 'api-key', userAgent: FIREWALL_BOUNCER_USER_AGENT, body: bouncerUsageMetrics(), expect: { status: 201, body: '' } },
    poll('poll after the push', '/v1/decisions/stream?startup=false'),
  ];
}

export interface TraceCredentials {
  token?: string;
  apiKey?: string;
}

/** Sends one step to `baseUrl`; returns the status and the body (parsed when JSON, '' when empty). */
export async function sendTraceStep(baseUrl: string, step: TraceStep, creds: TraceCredentials): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'user-agent': step.userAgent, accept: 'application/json' };
  if (step.body !== undefined) headers['content-type'] = 'application/json';
  if (step.credential === 'token') headers.authorization = `Bearer ${creds.token}`;
  if (step.credential === 'api-key') headers['x-api-key'] = creds.apiKey ?? '';
  const res = await fetch(`${baseUrl}${step.path}`, { method: step.method, headers, body: step.body === undefined ? undefined : JSON.stringify(step.body) });
  const text = await res.text();
  let body: any = text;
  try {
    body = text === '' ? '' : JSON.parse(text);
  } catch {
    // not JSON: the text itself
  }
  return { status: res.status, body };
}

/**
 * Replays a trace against one server, or, with a function, each step against the server it names
 * (a cluster's service for the route); the login's token is kept for the next steps. Returns each
 * step's answer, and whether it is upstream's.
 */
export async function replayTrace(baseUrl: string | ((step: TraceStep) => string), steps: TraceStep[], creds: TraceCredentials = {}) {
  const answers: { name: string; url: string; status: number; body: any; asUpstream: boolean }[] = [];
  for (const step of steps) {
    const url = typeof baseUrl === 'string' ? baseUrl : baseUrl(step);
    const answer = await sendTraceStep(url, step, creds);
    if (step.name === 'login' && answer.status === 200) creds.token = answer.body.token;
    const bodyOk = step.expect.body !== undefined ? JSON.stringify(answer.body) === JSON.stringify(step.expect.body) : (step.expect.bodyMatches?.(answer.body) ?? true);
    answers.push({ name: step.name, url, ...answer, asUpstream: answer.status === step.expect.status && bodyOk });
  }
  return answers;
}
