import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '@lapi/common';

/** One `type: http` notification, as upstream's plugin config (notification_dir/*.yaml) describes it. */
export interface HttpNotifier {
  name: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  timeoutMs: number;
  format: AlertsFormat;
  /** Alerts wait this long to be sent together. */
  groupWaitMs: number;
  /** At most this many alerts per request. */
  groupThreshold: number;
  /** Deliveries after the first, with backoff, before a notification is given up (kept, marked failed). */
  maxRetry: number;
}

/** The one template upstream ships (`{{.|toJson}}`): the alerts as a JSON list, with the text around it. */
export interface AlertsFormat {
  before: string;
  after: string;
}

export class NotifierConfigError extends Error {
  override name = 'NotifierConfigError';
}

const KNOWN_KEYS = new Set(['type', 'name', 'log_level', 'format', 'url', 'method', 'headers', 'timeout', 'group_wait', 'group_threshold', 'max_retry', 'skip_tls_verification']);
/** `{{.|toJson}}`, spaces allowed, nothing else: any other Go template is refused, never half-rendered. */
const TO_JSON = /^(\s*)\{\{-?\s*\.\s*\|\s*toJson\s*-?\}\}(\s*)$/;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_RETRY = 5;

export function parseFormat(format: string, where: string): AlertsFormat {
  const m = TO_JSON.exec(format);
  if (!m) {
    throw new NotifierConfigError(`${where}: format ${JSON.stringify(format.trim())} is not supported: only upstream's shipped template {{.|toJson}} (the alerts as JSON) is; Go templates are not rendered here`);
  }
  return { before: m[1], after: m[2] };
}

/** Reads every YAML file of the directory; notifications of other types (slack, email, ...) are listed apart, not loaded. */
export function loadNotifiers(dir: string): { notifiers: HttpNotifier[]; otherTypes: string[] } {
  const notifiers: HttpNotifier[] = [];
  const otherTypes: string[] = [];
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && statSync(join(dir, f)).isFile()).sort();
  for (const f of files) {
    const file = join(dir, f);
    parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, i) => {
      if (doc.errors.length) throw new NotifierConfigError(`${file}: document ${i + 1}: ${doc.errors[0].message}`);
      const raw: unknown = doc.toJS();
      if (raw === null || raw === undefined) return;
      const parsed = parseNotifier(raw, `${file}: document ${i + 1}`);
      if (typeof parsed === 'string') otherTypes.push(parsed);
      else notifiers.push(parsed);
    });
  }
  const names = new Set<string>();
  for (const n of notifiers) {
    if (names.has(n.name)) throw new NotifierConfigError(`${dir}: notification "${n.name}" is defined twice`);
    names.add(n.name);
  }
  return { notifiers, otherTypes };
}

/** An http notifier, or the name of one of another type. */
export function parseNotifier(raw: unknown, where: string): HttpNotifier | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new NotifierConfigError(`${where}: a notification must be a mapping`);
  const r = raw as Record<string, unknown>;
  const name = str(r.name, `${where}: name`);
  if (!name) throw new NotifierConfigError(`${where}: name is required`);
  const at = `${where}: notification "${name}"`;
  if (r.type !== 'http') return `${name} (type ${String(r.type)})`;
  const unknownKey = Object.keys(r).find((k) => !KNOWN_KEYS.has(k));
  if (unknownKey) throw new NotifierConfigError(`${at}: unknown key "${unknownKey}"`);
  const url = str(r.url, `${at}: url`);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url ?? '');
  } catch {
    throw new NotifierConfigError(`${at}: url ${JSON.stringify(url ?? '')} is not a URL`);
  }
  if (!['http:', 'https:'].includes(parsedUrl.protocol)) throw new NotifierConfigError(`${at}: url must be http:// or https://`);
  if (r.skip_tls_verification === true) throw new NotifierConfigError(`${at}: skip_tls_verification is not supported (trust the endpoint's CA with NODE_EXTRA_CA_CERTS)`);
  const headers = r.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    throw new NotifierConfigError(`${at}: headers must map names to strings`);
  }
  return {
    name,
    url: parsedUrl.toString(),
    method: (str(r.method, `${at}: method`) ?? 'POST').toUpperCase(),
    headers: headers as Record<string, string>,
    timeoutMs: duration(r.timeout, `${at}: timeout`) ?? DEFAULT_TIMEOUT_MS,
    format: parseFormat(str(r.format, `${at}: format`) ?? '{{.|toJson}}', at),
    groupWaitMs: duration(r.group_wait, `${at}: group_wait`) ?? 0,
    groupThreshold: whole(r.group_threshold, `${at}: group_threshold`, 1) || 1,
    maxRetry: whole(r.max_retry, `${at}: max_retry`, DEFAULT_MAX_RETRY),
  };
}

function str(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new NotifierConfigError(`${where} must be a string`);
  return v;
}

function duration(v: unknown, where: string): number | undefined {
  const text = str(v, where);
  if (text === undefined || text === '') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0) throw new NotifierConfigError(`${where}: ${JSON.stringify(text)} is not a duration such as 10s`);
  return ms;
}

function whole(v: unknown, where: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) throw new NotifierConfigError(`${where} must be a whole number from 0 to 1000`);
  return v;
}

/** The request body for some alerts. */
export function renderAlerts(format: AlertsFormat, alerts: unknown[]): string {
  return `${format.before}${JSON.stringify(alerts)}${format.after}`;
}
