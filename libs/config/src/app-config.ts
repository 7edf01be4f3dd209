import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
// One file each, not the libs' indexes: lapictl's read path loads this without the framework.
import { parseCidr, parseDuration } from '@lapi/common/light';

/** Every setting the LAPI reads, typed. Built once by `loadConfig` and injected as `AppConfig`. */
export class AppConfig {
  /** Address and port the HTTP API listens on. */
  listenAddr = '127.0.0.1';
  listenPort = 8080;
  /** Postgres connection string; unset means the embedded database under `dataDir`. */
  databaseUrl?: string;
  /** Where the embedded database lives. */
  dataDir = './data';
  /** The LAPI owns the embedded database and serves it; lapictl joins a running LAPI (or opens it alone). */
  embeddedRole: 'lapi' | 'lapictl' = 'lapi';
  /** Bound on every wait for the database (statement, lock, connection, embedded session); past it, 503. */
  dbTimeoutMs = 10_000;
  /** The embedded database's page cache (its Postgres shared_buffers), in bytes; resident for good once filled. */
  dbCacheBytes = 8 * 1024 * 1024;
  /** A comment line on every idle push stream this often, so proxies and NATs keep the connection open. */
  pushHeartbeatMs = 15_000;
  /** NATS server URL; unset means the in-process bus. */
  natsUrl?: string;
  /** TLS to NATS beyond the URL's scheme; see NatsTlsConfig. */
  natsTls = new NatsTlsConfig();
  /** Prefix of every NATS subject: clusters sharing one NATS server keep apart by it. */
  busSubjectPrefix = 'lapi';
  /** HS256 secret shared by every node; unset means one generated once and kept in the database. */
  jwtSecret?: string;
  jwtTtlSeconds = 3600;
  /** CIDRs whose X-Forwarded-For / X-Real-Ip headers are believed. */
  trustedProxies: string[] = [];
  /** Addresses allowed to delete alerts (upstream's `trusted_ips`; it always adds loopback, we default to it). */
  trustedIps: string[] = ['127.0.0.0/8', '::1'];
  /** Auto-registration: machines that present this token from these ranges are validated at once. */
  autoRegistrationToken?: string;
  autoRegistrationRanges: string[] = [];
  /** The shipped profiles' ban, for alerts that carry no decisions (only without `profilesFile`). */
  defaultBanDurationMs = 4 * 3600_000;
  /** An upstream profiles.yaml; unset means upstream's shipped one. Read and compiled at start-up by @lapi/profiles. */
  profilesFile?: string;
  /** Upstream's notification_dir: notification configs (`type: http`) that profiles name. */
  notificationsDir?: string;
  /** Retention, as upstream's db_config.flush. */
  flushMaxItems = 5000;
  flushMaxAgeMs = 7 * 24 * 3600_000;
  /** How long agents' and bouncers' usage metrics are kept (upstream's db_config.flush.metrics_max_age). */
  usageMetricsMaxAgeMs = 7 * 24 * 3600_000;
  /** Upstream's flush.bouncers_autodelete and agents_autodelete; see AutoDeleteConfig. */
  autoDelete = new AutoDeleteConfig();
  /** Failed logins one address may make per window before it is refused with 429. */
  loginMaxFailures = 5;
  loginFailureWindowMs = 60_000;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes = 32 * 1024 * 1024;
  /** Largest `limit` accepted on alert searches. */
  maxAlertsLimit = 10_000;
  logLevel: 'error' | 'warn' | 'info' | 'debug' = 'info';
  /** One JSON object per line (for log shippers) or Nest's coloured text; text when stdout is a terminal. */
  logFormat: 'json' | 'text' = process.stdout.isTTY ? 'text' : 'json';
  /** Whether this process runs the periodic jobs (expiry sweeps, retention); lapictl does not. */
  backgroundJobs = true;
  /** Port of the Prometheus /metrics listener; 0 turns it off. */
  metricsPort = 6060;
  /** Central API base URL (upstream's online_client url). */
  capiUrl = 'https://api.crowdsec.net/';
  /** Whether the CAPI worker runs; it only talks to CAPI once `lapictl capi register` stored credentials. */
  capiEnabled = true;
  /** Whether alerts are shared with CAPI as signals (upstream's online_client.sharing). */
  capiSharing = true;
  /** Whether the community blocklist is pulled (upstream's online_client.pull.community). */
  capiPull = true;
  /**
   * Whether manual decisions (origin cscli) are shared as signals, and deletions made through
   * DELETE /v1/decisions reported to CAPI (upstream's console share_manual_decisions, off by default).
   */
  capiShareManualDecisions = false;
  /** HTTPS and client certificates (upstream's api.server.tls); see TlsConfig. */
  tls = new TlsConfig();
  /** The cluster's own CA (apps/ca, `lapictl ca`); see CaConfig. */
  ca = new CaConfig();
}

/**
 * How long a bouncer may go without pulling, or an agent without a heartbeat, before its row is
 * deleted, per auth type (upstream's `bouncers_autodelete: {cert, api_key}` and
 * `agents_autodelete: {cert, login_password}`); unset keeps them for good, as upstream's default.
 */
export class AutoDeleteConfig {
  bouncersCertMs?: number;
  bouncersApiKeyMs?: number;
  agentsCertMs?: number;
  agentsLoginPasswordMs?: number;
}

/**
 * Files for TLS to NATS. Any of them makes the connection require TLS, as a `tls://` URL does;
 * with none, a `tls://` URL verifies the server against the system's CAs (and NODE_EXTRA_CA_CERTS).
 */
export class NatsTlsConfig {
  /** CA the NATS server's certificate must chain to, instead of the system's CAs. */
  caFile?: string;
  /** Client certificate and key, for a NATS server that verifies clients (mutual TLS). */
  certFile?: string;
  keyFile?: string;
}

export class CaConfig {
  /** Where the CA's certificate (ca.pem) and CRL (crl.pem) are written; both are public. */
  dir = './data/ca';
  /** The CA's private key, encrypted with the passphrase; readable by the CA process alone. */
  keyFile = './data/ca/ca.key';
  /** Passphrase of the key (LAPI_CA_KEY_PASSPHRASE, or the content of LAPI_CA_KEY_PASSPHRASE_FILE). */
  passphrase?: string;
  /** Lifetime of the client certificates it issues. */
  certTtlMs = 30 * 24 * 3600_000;
}

/** Upstream's client_verification modes, as Go's tls.ClientAuthType names them. */
export const CLIENT_VERIFICATION_MODES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientVerification = (typeof CLIENT_VERIFICATION_MODES)[number];

export class TlsConfig {
  /** Server certificate and key: both set, the API listens on HTTPS. */
  certFile?: string;
  keyFile?: string;
  /** CA that client certificates (on the socket, or in the edge's header) must chain to; unset, none is believed. */
  clientCaFile?: string;
  clientVerification: ClientVerification = 'VerifyClientCertIfGiven';
  /** PEM CRL of the client CA: certificates listed there are refused. */
  crlFile?: string;
  /** OUs that make a certificate a machine's, and a bouncer's. */
  agentsAllowedOu: string[] = ['agent-ou'];
  bouncersAllowedOu: string[] = ['bouncer-ou'];
  /** Header in which the edge (a trusted proxy) passes the verified client certificate, URL-escaped PEM. */
  clientCertHeader = 'x-client-cert';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Spellings of "change me" that example files use for values to be replaced. */
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|placeholder|is[-_ ]public/i;
const SECRET_VARS = new Set(['LAPI_CA_KEY_PASSPHRASE', 'LAPI_JWT_SECRET', 'LAPI_AUTO_REGISTRATION_TOKEN', 'DATABASE_URL', 'NATS_URL']);

function fail(name: string, value: string, why: string): never {
  const shown = SECRET_VARS.has(name) ? '<redacted>' : JSON.stringify(value);
  throw new ConfigError(`invalid ${name}=${shown}: ${why}`);
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(name, raw, 'expected a whole number');
  const n = Number(raw);
  if (n < min || n > max) fail(name, raw, `expected a number from ${min} to ${max}`);
  return n;
}

function duration(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) fail(name, raw, 'expected a positive duration such as 4h or 30m');
  return ms;
}

function optionalDuration(env: Env, name: string): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : duration(env, name, 0);
}

function cidrList(env: Env, name: string): string[] {
  const raw = env[name];
  if (!raw) return [];
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((c) => {
    const parsed = parseCidr(c);
    if (!parsed) fail(name, raw, `${JSON.stringify(c)} is not an IP address or CIDR range`);
    return c;
  });
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    fail(name, raw, 'not a URL');
  }
  if (!protocols.includes(parsed.protocol)) fail(name, raw, `expected a ${protocols.join(' or ')} URL`);
  return raw;
}

/**
 * A connection URL whose password is a placeholder from an example: a public credential. The
 * password is the URL's (user:password@), libpq's `password` parameter, or NATS's token (token@).
 */
function refusePlaceholderCredential(name: string, raw: string | undefined, tokenInUser: boolean): void {
  if (!raw) return;
  const parsed = new URL(raw);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const credentials = [decode(parsed.password), parsed.searchParams.get('password') ?? ''];
  if (tokenInUser && !parsed.password) credentials.push(decode(parsed.username));
  if (credentials.some((c) => PLACEHOLDER.test(c))) {
    fail(name, raw, 'its password is a placeholder from an example; set a random one (openssl rand -hex 24) where the server and this URL both take it');
  }
}

const SIZE_UNITS: Record<string, number> = { kB: 1 << 10, MB: 1 << 20, GB: 1 << 30 };

/** A size as Postgres writes one (`512kB`, `8MB`, `1GB`), within [min, max] bytes. */
function size(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)\s*(kB|MB|GB)$/.exec(raw.trim());
  if (!m) fail(name, raw, 'expected a size such as 512kB, 8MB or 1GB');
  const bytes = Number(m[1]) * SIZE_UNITS[m[2]];
  if (bytes < min || bytes > max) fail(name, raw, `expected between ${min >> 20}MB and ${max >> 30}GB`);
  return bytes;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'on', 'yes'].includes(raw)) return true;
  if (['false', '0', 'off', 'no'].includes(raw)) return false;
  fail(name, raw, 'expected true or false');
}

function readableFile(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    accessSync(raw, constants.R_OK);
  } catch {
    fail(name, raw, 'file does not exist or cannot be read');
  }
  return raw;
}

function readableDir(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    accessSync(raw, constants.R_OK | constants.X_OK);
    if (!statSync(raw).isDirectory()) fail(name, raw, 'is not a directory');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    fail(name, raw, 'directory does not exist or cannot be read');
  }
  return raw;
}

function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function loadTls(env: Env): TlsConfig {
  const t = new TlsConfig();
  t.certFile = readableFile(env, 'LAPI_TLS_CERT_FILE');
  t.keyFile = readableFile(env, 'LAPI_TLS_KEY_FILE');
  if (t.certFile && !t.keyFile) fail('LAPI_TLS_KEY_FILE', '', 'required when LAPI_TLS_CERT_FILE is set');
  if (t.keyFile && !t.certFile) fail('LAPI_TLS_CERT_FILE', '', 'required when LAPI_TLS_KEY_FILE is set');
  t.clientCaFile = readableFile(env, 'LAPI_TLS_CLIENT_CA_FILE');
  t.crlFile = readableFile(env, 'LAPI_TLS_CRL_FILE');
  if (t.crlFile && !t.clientCaFile) fail('LAPI_TLS_CLIENT_CA_FILE', '', 'required when LAPI_TLS_CRL_FILE is set');
  const mode = env.LAPI_TLS_CLIENT_VERIFICATION;
  if (mode !== undefined && mode !== '') {
    if (!(CLIENT_VERIFICATION_MODES as readonly string[]).includes(mode)) fail('LAPI_TLS_CLIENT_VERIFICATION', mode, `expected one of ${CLIENT_VERIFICATION_MODES.join(', ')}`);
    t.clientVerification = mode as ClientVerification;
  }
  if (/Verify/.test(t.clientVerification) && t.certFile && !t.clientCaFile && mode) {
    fail('LAPI_TLS_CLIENT_CA_FILE', '', `required with LAPI_TLS_CLIENT_VERIFICATION=${t.clientVerification}`);
  }
  t.agentsAllowedOu = list(env, 'LAPI_TLS_AGENTS_ALLOWED_OU', t.agentsAllowedOu);
  t.bouncersAllowedOu = list(env, 'LAPI_TLS_BOUNCERS_ALLOWED_OU', t.bouncersAllowedOu);
  const shared = t.agentsAllowedOu.find((ou) => t.bouncersAllowedOu.includes(ou));
  if (shared) fail('LAPI_TLS_BOUNCERS_ALLOWED_OU', env.LAPI_TLS_BOUNCERS_ALLOWED_OU ?? '', `OU ${JSON.stringify(shared)} is also an agents' OU`);
  return t;
}

function loadNatsTls(env: Env): NatsTlsConfig {
  const t = new NatsTlsConfig();
  t.caFile = readableFile(env, 'NATS_TLS_CA_FILE');
  t.certFile = readableFile(env, 'NATS_TLS_CERT_FILE');
  t.keyFile = readableFile(env, 'NATS_TLS_KEY_FILE');
  if (t.certFile && !t.keyFile) fail('NATS_TLS_KEY_FILE', '', 'required when NATS_TLS_CERT_FILE is set');
  if (t.keyFile && !t.certFile) fail('NATS_TLS_CERT_FILE', '', 'required when NATS_TLS_KEY_FILE is set');
  return t;
}

function loadCa(env: Env, dataDir: string): CaConfig {
  const ca = new CaConfig();
  ca.dir = env.LAPI_CA_DIR || `${dataDir}/ca`;
  ca.keyFile = env.LAPI_CA_KEY_FILE || `${ca.dir}/ca.key`;
  const file = readableFile(env, 'LAPI_CA_KEY_PASSPHRASE_FILE');
  const passphrase = file ? readFileSync(file, 'utf8').trim() : env.LAPI_CA_KEY_PASSPHRASE;
  if (passphrase !== undefined && passphrase !== '') {
    if (passphrase.length < 12) fail('LAPI_CA_KEY_PASSPHRASE', passphrase, 'must be at least 12 characters');
    ca.passphrase = passphrase;
  }
  ca.certTtlMs = duration(env, 'LAPI_CA_CERT_TTL', ca.certTtlMs);
  return ca;
}

/** Reads the environment once; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const c = new AppConfig();
  const addr = env.LAPI_LISTEN_ADDR;
  if (addr !== undefined && addr !== '') {
    if (!isIP(addr) && addr !== 'localhost') fail('LAPI_LISTEN_ADDR', addr, 'expected an IP address');
    c.listenAddr = addr;
  }
  c.listenPort = int(env, 'LAPI_PORT', c.listenPort, 0, 65535);
  c.databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  refusePlaceholderCredential('DATABASE_URL', c.databaseUrl, false);
  if (env.LAPI_DATA_DIR) c.dataDir = env.LAPI_DATA_DIR;
  c.dbTimeoutMs = duration(env, 'LAPI_DB_TIMEOUT', c.dbTimeoutMs);
  c.dbCacheBytes = size(env, 'LAPI_DB_CACHE', c.dbCacheBytes, 1 << 20, 1 << 30);
  c.pushHeartbeatMs = duration(env, 'LAPI_PUSH_HEARTBEAT', c.pushHeartbeatMs);
  c.natsUrl = url(env, 'NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:']);
  refusePlaceholderCredential('NATS_URL', c.natsUrl, true);
  c.natsTls = loadNatsTls(env);
  const prefix = env.LAPI_BUS_SUBJECT_PREFIX;
  if (prefix !== undefined && prefix !== '') {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) fail('LAPI_BUS_SUBJECT_PREFIX', prefix, 'expected NATS subject tokens (letters, digits, - and _) separated by dots');
    c.busSubjectPrefix = prefix;
  }
  const secret = env.LAPI_JWT_SECRET;
  if (secret !== undefined && secret !== '') {
    if (secret.length < 32) fail('LAPI_JWT_SECRET', secret, 'must be at least 32 characters');
    // A value from an example file is public: anyone could sign tokens for any machine.
    if (PLACEHOLDER.test(secret)) fail('LAPI_JWT_SECRET', secret, 'is a placeholder from an example; set a random secret (openssl rand -base64 48) or leave it unset');
    c.jwtSecret = secret;
  }
  c.trustedProxies = cidrList(env, 'LAPI_TRUSTED_PROXIES');
  const trustedIps = cidrList(env, 'LAPI_TRUSTED_IPS');
  if (trustedIps.length) c.trustedIps = trustedIps;
  const token = env.LAPI_AUTO_REGISTRATION_TOKEN;
  if (token !== undefined && token !== '') {
    if (token.length < 32) fail('LAPI_AUTO_REGISTRATION_TOKEN', token, 'must be at least 32 characters');
    c.autoRegistrationToken = token;
  }
  c.autoRegistrationRanges = cidrList(env, 'LAPI_AUTO_REGISTRATION_RANGES');
  if (c.autoRegistrationToken && c.autoRegistrationRanges.length === 0) {
    fail('LAPI_AUTO_REGISTRATION_RANGES', '', 'required when LAPI_AUTO_REGISTRATION_TOKEN is set');
  }
  c.defaultBanDurationMs = duration(env, 'LAPI_DEFAULT_BAN_DURATION', c.defaultBanDurationMs);
  c.profilesFile = readableFile(env, 'LAPI_PROFILES_FILE');
  c.notificationsDir = readableDir(env, 'LAPI_NOTIFICATIONS_DIR');
  if (c.profilesFile && env.LAPI_DEFAULT_BAN_DURATION) {
    fail('LAPI_DEFAULT_BAN_DURATION', env.LAPI_DEFAULT_BAN_DURATION, 'applies to the shipped profiles only; with LAPI_PROFILES_FILE set, write the duration in that file');
  }
  c.flushMaxItems = int(env, 'LAPI_FLUSH_MAX_ITEMS', c.flushMaxItems, 0, 1e9);
  c.flushMaxAgeMs = duration(env, 'LAPI_FLUSH_MAX_AGE', c.flushMaxAgeMs);
  c.usageMetricsMaxAgeMs = duration(env, 'LAPI_USAGE_METRICS_MAX_AGE', c.usageMetricsMaxAgeMs);
  c.autoDelete = {
    bouncersCertMs: optionalDuration(env, 'LAPI_BOUNCERS_AUTODELETE_CERT'),
    bouncersApiKeyMs: optionalDuration(env, 'LAPI_BOUNCERS_AUTODELETE_API_KEY'),
    agentsCertMs: optionalDuration(env, 'LAPI_AGENTS_AUTODELETE_CERT'),
    agentsLoginPasswordMs: optionalDuration(env, 'LAPI_AGENTS_AUTODELETE_LOGIN_PASSWORD'),
  };
  c.loginMaxFailures = int(env, 'LAPI_LOGIN_MAX_FAILURES', c.loginMaxFailures, 1, 1e6);
  c.loginFailureWindowMs = duration(env, 'LAPI_LOGIN_FAILURE_WINDOW', c.loginFailureWindowMs);
  c.metricsPort = int(env, 'LAPI_METRICS_PORT', c.metricsPort, 0, 65535);
  c.capiUrl = url(env, 'LAPI_CAPI_URL', ['http:', 'https:']) ?? c.capiUrl;
  c.capiEnabled = bool(env, 'LAPI_CAPI', c.capiEnabled);
  c.capiSharing = bool(env, 'LAPI_CAPI_SHARING', c.capiSharing);
  c.capiPull = bool(env, 'LAPI_CAPI_PULL', c.capiPull);
  c.capiShareManualDecisions = bool(env, 'LAPI_CAPI_SHARE_MANUAL_DECISIONS', c.capiShareManualDecisions);
  c.maxBodyBytes = int(env, 'LAPI_MAX_BODY_BYTES', c.maxBodyBytes, 1024, 1 << 30);
  const level = env.LAPI_LOG_LEVEL;
  if (level !== undefined && level !== '') {
    if (!['error', 'warn', 'info', 'debug'].includes(level)) fail('LAPI_LOG_LEVEL', level, 'expected error, warn, info or debug');
    c.logLevel = level as AppConfig['logLevel'];
  }
  const format = env.LAPI_LOG_FORMAT;
  if (format !== undefined && format !== '') {
    if (format !== 'json' && format !== 'text') fail('LAPI_LOG_FORMAT', format, 'expected json or text');
    c.logFormat = format;
  }
  c.tls = loadTls(env);
  c.ca = loadCa(env, c.dataDir);
  return c;
}
