import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** The documented login table: logins per public IP per 50-minute window, by mode. */
export const CAPI_LOGIN_LIMITS = { plain: 5, sharing: 10, enrolled: 10, enrolledSharing: 20 } as const;
export const CAPI_LOGIN_WINDOW_MS = 50 * 60_000;
export const CAPI_BAN_MS = 3600_000;

export interface CapiSimOptions {
  /** The simulator's clock; `POST /sim/clock` or `setNow` override it. */
  now?: () => number;
  /** Whether the site shares signals (a mode of the login table). */
  sharing?: boolean;
  tokenTtlMs?: number;
  /** Size of the community blocklist served by /v3/decisions/stream. */
  blocklistSize?: number;
  /** Size of the list behind the one blocklist link (0: no link). */
  linkSize?: number;
}

interface Machine {
  password: string;
  enrolled: boolean;
}

/** What the client did, for tests to count. */
export interface SimRequest {
  method: string;
  path: string;
  userAgent: string;
  status: number;
  ifModifiedSince?: string;
}

const SECRET = randomBytes(32);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * A stand-in for the Central API on loopback: the routes lapi-cluster's client uses, the login
 * table with its one-hour ban, token expiry, and a community blocklist that tests change between
 * pulls. Every caller counts as one public IP (what a cluster behind one NAT is).
 */
export class CapiSim {
  readonly requests: SimRequest[] = [];
  readonly signalBatches: Record<string, unknown>[][] = [];
  /** The bodies of POST /v3/decisions/delete: deleted decisions' uuids (swagger DecisionsDeleteRequest). */
  readonly deletionBatches: string[][] = [];
  readonly metrics: unknown[] = [];
  /** The 1.6+ usage reports (POST /v3/usage-metrics) received. */
  readonly usageMetrics: any[] = [];
  readonly enrollments: unknown[] = [];
  readonly machines = new Map<string, Machine>();
  /** Every login attempt's time, refused ones included (as CAPI counts them). */
  readonly loginTimes: number[] = [];
  bannedUntil = 0;
  /** The body of the last login, as sent. */
  lastLogin?: { machine_id: string; password: string; scenarios: string[] };
  /** Paths whose next calls fail with a 500, and how many of them. */
  readonly failures = new Map<string, number>();
  blocklist: string[];
  linkList: string[];
  linkModifiedAt: number;
  url = '';
  private fixedNow?: number;
  private server?: Server;
  private nextIp = 1;

  constructor(private readonly options: CapiSimOptions = {}) {
    this.blocklist = Array.from({ length: options.blocklistSize ?? 100 }, () => this.newIp());
    this.linkList = Array.from({ length: options.linkSize ?? 0 }, () => this.newIp());
    this.linkModifiedAt = this.now();
  }

  now(): number {
    return this.fixedNow ?? this.options.now?.() ?? Date.now();
  }

  setNow(ms: number): void {
    this.fixedNow = ms;
  }

  get loginAttempts(): number {
    return this.loginTimes.length;
  }

  /** Replaces `fraction` of the community blocklist with new addresses. */
  changeBlocklist(fraction: number): { removed: string[]; added: string[] } {
    const n = Math.round(this.blocklist.length * fraction);
    const removed = this.blocklist.splice(0, n);
    const added = Array.from({ length: n }, () => this.newIp());
    this.blocklist.push(...added);
    return { removed, added };
  }

  changeLinkList(fraction: number): void {
    const n = Math.round(this.linkList.length * fraction);
    this.linkList.splice(0, n, ...Array.from({ length: n }, () => this.newIp()));
    this.linkModifiedAt = this.now();
  }

  /** Listens on `host` (loopback by default; the multi-host bed's address for services in other namespaces). */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `simulator error: ${e.message}` }));
      });
    });
    await new Promise<void>((done) => this.server!.listen(port, host, done));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  /** Stops listening and drops kept-alive connections: CAPI is down until `start` on the same port. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeAllConnections();
    await closed;
  }

  private newIp(): string {
    const n = this.nextIp++;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  private limit(machine?: Machine): number {
    const enrolled = machine?.enrolled ?? false;
    const sharing = this.options.sharing ?? false;
    if (enrolled) return sharing ? CAPI_LOGIN_LIMITS.enrolledSharing : CAPI_LOGIN_LIMITS.enrolled;
    return sharing ? CAPI_LOGIN_LIMITS.sharing : CAPI_LOGIN_LIMITS.plain;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', path, userAgent: String(req.headers['user-agent'] ?? ''), status, ifModifiedSince: req.headers['if-modified-since'] });
      const text = payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json', ...headers });
      res.end(text);
    };
    try {
      this.route(req.method ?? '', path, req, body, reply);
    } catch (e) {
      reply(500, { message: (e as Error).message });
    }
  }

  private route(method: string, path: string, req: IncomingMessage, body: any, reply: (s: number, p?: unknown, h?: Record<string, string>) => void): void {
    if (method === 'POST' && path === '/sim/clock') {
      this.setNow(Number(body?.now));
      return reply(200, { now: this.now() });
    }
    if (method === 'GET' && path === '/sim/state') {
      return reply(200, { now: this.now(), loginAttempts: this.loginAttempts, bannedUntil: this.bannedUntil, signals: this.signalBatches.flat().length, deletions: this.deletionBatches.flat(), blocklist: this.blocklist.length });
    }
    if (method === 'POST' && path === '/sim/blocklist/change') {
      return reply(200, this.changeBlocklist(Number(body?.fraction ?? 0.01)));
    }
    if (this.bannedUntil > this.now()) return reply(403, { message: 'Forbidden' });
    const failing = this.failures.get(path) ?? 0;
    if (failing > 0) {
      this.failures.set(path, failing - 1);
      return reply(500, { message: 'simulated failure' });
    }
    if (method === 'POST' && path === '/v3/watchers') return this.register(body, reply);
    if (method === 'POST' && path === '/v3/watchers/login') return this.login(body, reply);
    if (method === 'GET' && path.startsWith('/blocklists/')) return this.link(req, reply);
    const machineId = this.authenticate(req);
    if (!machineId) return reply(401, { message: 'Unauthorized' });
    const machine = this.machines.get(machineId)!;
    if (method === 'GET' && path === '/v3/decisions/stream') return reply(200, this.stream());
    if (method === 'POST' && path === '/v3/signals') {
      if (!Array.isArray(body) || body.length > 50) return reply(400, { message: 'expected an array of at most 50 signals' });
      this.signalBatches.push(body);
      return reply(200, { message: 'OK' });
    }
    if (method === 'POST' && path === '/v3/metrics/') {
      this.metrics.push(body);
      return reply(201, { message: 'OK' });
    }
    if (method === 'POST' && path === '/v3/usage-metrics') {
      if (!Array.isArray(body?.remediation_components) || !Array.isArray(body?.log_processors)) return reply(422, { message: 'remediation_components and log_processors required' });
      this.usageMetrics.push(body);
      return reply(201, {});
    }
    if (method === 'POST' && path === '/v3/watchers/enroll') {
      if (typeof body?.attachment_key !== 'string' || !body.attachment_key) return reply(400, { message: 'attachment_key required' });
      this.enrollments.push(body);
      machine.enrolled = true;
      return reply(200, {});
    }
    if (method === 'POST' && path === '/v3/decisions/delete') {
      if (!Array.isArray(body) || !body.every((u) => typeof u === 'string')) return reply(400, { message: 'expected an array of decision uuids' });
      this.deletionBatches.push(body);
      return reply(200, { message: 'OK' });
    }
    if (method === 'DELETE' && path === '/v3/watchers/self') {
      this.machines.delete(machineId);
      return reply(200, {});
    }
    reply(404, { message: 'not found' });
  }

  private register(body: any, reply: (s: number, p?: unknown) => void): void {
    if (typeof body?.machine_id !== 'string' || typeof body?.password !== 'string') return reply(400, { message: 'machine_id and password required' });
    if (this.machines.has(body.machine_id)) return reply(403, { message: 'user already exist' });
    this.machines.set(body.machine_id, { password: body.password, enrolled: false });
    reply(200, { message: 'OK' });
  }

  /** Every attempt counts; the one past the limit bans the IP for an hour. */
  private login(body: any, reply: (s: number, p?: unknown) => void): void {
    const now = this.now();
    this.loginTimes.push(now);
    this.lastLogin = body;
    const machine = this.machines.get(body?.machine_id);
    const recent = this.loginTimes.filter((t) => t > now - CAPI_LOGIN_WINDOW_MS).length;
    if (recent > this.limit(machine)) {
      this.bannedUntil = now + CAPI_BAN_MS;
      return reply(403, { message: 'Forbidden' });
    }
    if (!machine || machine.password !== body?.password) return reply(401, { code: 401, message: 'incorrect Username or Password' });
    const exp = now + (this.options.tokenTtlMs ?? 3600_000);
    const payload = b64({ id: body.machine_id, exp: Math.floor(exp / 1000), orig_iat: Math.floor(now / 1000) });
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    const token = `${head}.${payload}.${createHmac('sha256', SECRET).update(`${head}.${payload}`).digest('base64url')}`;
    reply(200, { code: 200, expire: new Date(exp).toISOString(), token });
  }

  /** The machine a valid, unexpired bearer token names. */
  private authenticate(req: IncomingMessage): string | undefined {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!m) return undefined;
    const [head, payload, sig] = m[1].split('.');
    if (!sig || createHmac('sha256', SECRET).update(`${head}.${payload}`).digest('base64url') !== sig) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { id: string; exp: number };
    if (claims.exp * 1000 <= this.now() || !this.machines.has(claims.id)) return undefined;
    return claims.id;
  }

  private stream(): unknown {
    const links = this.linkList.length
      ? [{ name: 'sim-list', url: `${this.url}blocklists/sim-list`, remediation: 'ban', scope: 'ip', duration: '24h' }]
      : [];
    return {
      new: [{ scenario: 'crowdsecurity/community-blocklist', scope: 'ip', decisions: this.blocklist.map((value) => ({ value, duration: '167h' })) }],
      deleted: [],
      links: { blocklists: links },
    };
  }

  private link(req: IncomingMessage, reply: (s: number, p?: unknown, h?: Record<string, string>) => void): void {
    const since = req.headers['if-modified-since'];
    const modified = Math.floor(this.linkModifiedAt / 1000) * 1000;
    if (since && Date.parse(since) >= modified) return reply(304);
    reply(200, this.linkList.join('\n') + '\n', { 'last-modified': new Date(modified).toUTCString() });
  }
}

/** A fresh machine id like upstream's (a random hex string). */
export const newSimMachineId = () => randomUUID().replace(/-/g, '');
