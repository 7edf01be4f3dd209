// Read-only alert commands: they run on a plain connection (cli-reader.ts), so they import single
// files of the libs, never an index that would load the framework.
import { AlertView, readAlertsQuery, toAlertView } from '@lapi/alerts/light';
import { DomainError, ErrorCode } from '@lapi/common/light';
import { findAlert, searchAlerts } from '@lapi/db/light';
import { CliError } from '../cli-error';
import type { CliReader } from '../cli-reader';
import { asCscliPrintsIt } from '../cscli-json';
import { asNumberName, OutputFormat, printJson, printList } from '../output';
import type { AlertFilterOptions, AlertListOptions } from './alerts.options';

type Query = Record<string, string>;

/** The query cscli sends to /v1/alerts for these filters, so lapictl reads and deletes what cscli would. */
export function filterQuery(o: AlertFilterOptions): Query {
  const q: Query = {};
  const set = (k: string, v: string | undefined) => v !== undefined && v !== '' && (q[k] = v);
  set('ip', o.ip);
  set('range', o.range);
  set('scope', o.scope);
  set('value', o.value);
  set('scenario', o.scenario);
  set('since', o.since);
  set('until', o.until);
  set('decision_type', o.type);
  if (o.contained) q.contains = 'false';
  return q;
}

/** The query's own messages ("parameter 'ip': ...") are already plain; keep them as the operator's error. */
export function readFilter<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DomainError && e.code === ErrorCode.BadRequest) throw new CliError(e.message);
    throw e;
  }
}

/** "ban:3 captcha:2", keys sorted, simulated ones marked, as cscli's alerts list. */
export function decisionsSummary(a: Pick<AlertView, 'decisions'>): string {
  const counts = new Map<string, number>();
  for (const d of a.decisions) {
    const key = d.simulated ? `(simul)${d.type}` : d.type;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.keys()].sort().map((k) => `${k}:${counts.get(k)}`).join(' ');
}

export async function listAlerts({ db, config }: CliReader, format: OutputFormat, o: AlertListOptions): Promise<void> {
  const query = { ...filterQuery(o), include_capi: String(Boolean(o.all)), limit: String(o.limit) };
  const filter = readFilter(() => readAlertsQuery(query, config.maxAlertsLimit));
  const now = Date.now();
  const alerts = (await searchAlerts(db, filter)).map((a) => toAlertView(a, now));
  const machine = (a: AlertView) => (o.machine ? [a.machine_id] : []);
  printList(format, alerts, format === 'raw'
    ? { header: ['id', 'scope', 'value', 'reason', 'country', 'as', 'decisions', 'created_at', ...(o.machine ? ['machine'] : [])], row: (a) => [a.id, a.source.scope, a.source.value, a.scenario, a.source.cn, asNumberName(a.source), decisionsSummary(a), a.start_at, ...machine(a)] }
    : { header: ['ID', 'value', 'reason', 'country', 'as', 'decisions', 'created_at', ...(o.machine ? ['machine'] : [])], row: (a) => [a.id, a.source.value ? `${a.source.scope}:${a.source.value}` : a.source.scope, a.scenario, a.source.cn, asNumberName(a.source), decisionsSummary(a), a.start_at, ...machine(a)] },
  asCscliPrintsIt, 'No active alerts');
}

export async function inspectAlerts({ db }: CliReader, format: OutputFormat, ids: string[], details: boolean): Promise<void> {
  for (const id of ids) {
    const found = await findAlert(db, id);
    if (!found) throw new CliError(`alert ${id} not found`);
    const view = toAlertView(found);
    if (format === 'json') printJson(asCscliPrintsIt(view));
    else printAlert(view, details);
  }
}

function printAlert(a: AlertView, details: boolean): void {
  console.log(`Alert ${a.id}: ${a.scenario} on ${a.source.scope}:${a.source.value} (machine ${a.machine_id}, ${a.created_at})`);
  if (a.message) console.log(`  ${a.message}`);
  for (const d of a.decisions) console.log(`  decision ${d.id}: ${d.type} ${d.scope}:${d.value} for ${d.duration} (${d.origin})`);
  if (details) for (const e of a.events) console.log(`  event ${e.timestamp}: ${e.meta.map((m) => `${m.key}=${m.value}`).join(' ')}`);
}

