/** What upstream's client sends as User-Agent: crowdsec/<version>-<os>. */
export const CAPI_USER_AGENT = 'crowdsec/v1.6.8-linux';
/** No CAPI call may hold up the worker for long. */
const TIMEOUT_MS = 20_000;

/** A CAPI answer other than success; `status` 0 means CAPI could not be reached. */
export class CapiHttpError extends Error {
  override name = 'CapiHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CapiLogin {
  token: string;
  expiresAt: Date;
}

export interface CommunityStream {
  new?: { scenario: string; scope: string; decisions: { value: string; duration: string }[] }[] | null;
  deleted?: { scope: string; decisions: string[] }[] | null;
  links?: { blocklists?: BlocklistLink[] | null } | null;
}

export interface BlocklistLink {
  name: string;
  url: string;
  remediation: string;
  scope: string;
  duration: string;
}

export interface MetricsPush {
  bouncers: { name: string; type: string; version: string; last_pull: string; custom_name: string }[];
  machines: { name: string; version: string; last_push: string; last_update: string }[];
}

/** The Central API v3 as upstream's apiclient speaks it: paths, bodies, headers. */
export class CapiHttp {
  constructor(private readonly baseUrl: string) {}

  async register(machineId: string, password: string): Promise<void> {
    await this.call('POST', 'v3/watchers', { machine_id: machineId, password });
  }

  async login(machineId: string, password: string, scenarios: string[]): Promise<CapiLogin> {
    const res = (await this.call('POST', 'v3/watchers/login', { machine_id: machineId, password, scenarios })) as { token?: string; expire?: string };
    if (!res?.token) throw new CapiHttpError(502, 'login answer without a token');
    return { token: res.token, expiresAt: tokenExpiry(res.token, res.expire) };
  }

  async enroll(token: string, attachmentKey: string, name: string, tags: string[], overwrite: boolean): Promise<void> {
    await this.call('POST', 'v3/watchers/enroll', { attachment_key: attachmentKey, name, tags, overwrite }, token);
  }

  /** The whole community blocklist (startup=true): a full list is what lets us diff. */
  async communityStream(token: string): Promise<CommunityStream> {
    return ((await this.call('GET', 'v3/decisions/stream?startup=true', undefined, token)) ?? {}) as CommunityStream;
  }

  async pushSignals(token: string, signals: unknown[]): Promise<void> {
    await this.call('POST', 'v3/signals', signals, token);
  }

  /** Deleted decisions' uuids (swagger DecisionsDeleteRequest), as upstream's DecisionDelete.Add sends them. */
  async pushDeletions(token: string, decisionUuids: string[]): Promise<void> {
    await this.call('POST', 'v3/decisions/delete', decisionUuids, token);
  }

  async pushMetrics(token: string, metrics: MetricsPush): Promise<void> {
    await this.call('POST', 'v3/metrics/', metrics, token);
  }

  /** The 1.6+ usage report (swagger AllMetrics), as upstream's apiclient UsageMetrics.Add sends it. */
  async pushUsageMetrics(token: string, metrics: unknown): Promise<void> {
    await this.call('POST', 'v3/usage-metrics', metrics, token);
  }

  /** A blocklist link: its lines, or undefined when it has not changed since `ifModifiedSince`. */
  async fetchLink(url: string, ifModifiedSince?: string): Promise<{ values: string[]; lastModified?: string } | undefined> {
    const headers: Record<string, string> = { 'user-agent': CAPI_USER_AGENT };
    if (ifModifiedSince) headers['if-modified-since'] = ifModifiedSince;
    const res = await this.fetch(url, { headers });
    if (res.status === 304) return undefined;
    if (!res.ok) throw new CapiHttpError(res.status, `GET blocklist ${new URL(url).pathname}: ${res.status}`);
    const values = (await res.text()).split('\n').map((l) => l.trim()).filter(Boolean);
    return { values, lastModified: res.headers.get('last-modified') ?? undefined };
  }

  private async call(method: string, path: string, body?: unknown, token?: string): Promise<unknown> {
    const headers: Record<string, string> = { 'user-agent': CAPI_USER_AGENT, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.fetch(new URL(path, this.baseUrl).toString(), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new CapiHttpError(res.status, `${method} /${path.split('?')[0]}: ${res.status} ${errorMessage(text)}`);
    return text ? JSON.parse(text) : undefined;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw new CapiHttpError(0, `CAPI unreachable: ${(e as Error).message}`);
    }
  }
}

function errorMessage(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: string }).message ?? text).slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/** The JWT's own `exp` wins (upstream renews by it); the answer's `expire` otherwise. */
export function tokenExpiry(token: string, expire?: string): Date {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp?: number };
    if (typeof claims.exp === 'number') return new Date(claims.exp * 1000);
  } catch {
    // not a JWT we can read: fall back to the answer's expiry
  }
  const at = expire ? Date.parse(expire) : NaN;
  if (Number.isNaN(at)) throw new CapiHttpError(502, 'login answer without an expiry');
  return new Date(at);
}
