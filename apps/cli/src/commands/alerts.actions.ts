import { INestApplicationContext } from '@nestjs/common';
import { AlertsService, AlertView, readAlertsQuery, readDeleteAlertsQuery, RetentionService, toAlertView } from '@lapi/alerts';
import { DomainError, ErrorCode, parseDuration } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { CliError } from '../cli-error';
import { asCscliPrintsIt } from '../cscli-json';
import { asNumberName, OutputFormat, printJson, printList } from '../output';
import type { AlertDeleteOptions, AlertFilterOptions, AlertListOptions } from './alerts.command';

type Query = Record<string, string>;

/** The query cscli sends to /v1/alerts for these filters, so lapictl reads and deletes what cscli would. */
function filterQuery(o: AlertFilterOptions): Query {
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
function readFilter<T>(read: () => T): T {
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

export async function listAlerts(app: INestApplicationContext, format: OutputFormat, o: AlertListOptions): Promise<void> {
  const query = { ...filterQuery(o), include_capi: String(Boolean(o.all)), limit: String(o.limit) };
  const filter = readFilter(() => readAlertsQuery(query, app.get(AppConfig).maxAlertsLimit));
  const now = Date.now();
  const alerts = (await app.get(AlertsService).search(filter)).map((a) => toAlertView(a, now));
  const machine = (a: AlertView) => (o.machine ? [a.machine_id] : []);
  printList(format, alerts, format === 'raw'
    ? { header: ['id', 'scope', 'value', 'reason', 'country', 'as', 'decisions', 'created_at', ...(o.machine ? ['machine'] : [])], row: (a) => [a.id, a.source.scope, a.source.value, a.scenario, a.source.cn, asNumberName(a.source), decisionsSummary(a), a.start_at, ...machine(a)] }
    : { header: ['ID', 'value', 'reason', 'country', 'as', 'decisions', 'created_at', ...(o.machine ? ['machine'] : [])], row: (a) => [a.id, a.source.value ? `${a.source.scope}:${a.source.value}` : a.source.scope, a.scenario, a.source.cn, asNumberName(a.source), decisionsSummary(a), a.start_at, ...machine(a)] },
  asCscliPrintsIt, 'No active alerts');
}

export async function inspectAlerts(app: INestApplicationContext, format: OutputFormat, ids: string[], details: boolean): Promise<void> {
  for (const id of ids) {
    if (!/^\d{1,18}$/.test(id)) throw new CliError(`alert id '${id}' is not a number`);
    const view = toAlertView(await app.get(AlertsService).get(id).catch((e) => notFoundAs(e, `alert ${id} not found`)));
    if (format === 'json') printJson(asCscliPrintsIt(view));
    else printAlert(view, details);
  }
}

function notFoundAs(e: unknown, message: string): never {
  if (e instanceof DomainError && e.code === ErrorCode.NotFound) throw new CliError(message);
  throw e;
}

function printAlert(a: AlertView, details: boolean): void {
  console.log(`Alert ${a.id}: ${a.scenario} on ${a.source.scope}:${a.source.value} (machine ${a.machine_id}, ${a.created_at})`);
  if (a.message) console.log(`  ${a.message}`);
  for (const d of a.decisions) console.log(`  decision ${d.id}: ${d.type} ${d.scope}:${d.value} for ${d.duration} (${d.origin})`);
  if (details) for (const e of a.events) console.log(`  event ${e.timestamp}: ${e.meta.map((m) => `${m.key}=${m.value}`).join(' ')}`);
}

export async function deleteAlerts(app: INestApplicationContext, o: AlertDeleteOptions): Promise<void> {
  const service = app.get(AlertsService);
  let n: number;
  if (o.id) {
    if (!/^\d{1,18}$/.test(o.id)) throw new CliError(`alert id '${o.id}' is not a number`);
    n = await service.deleteById(o.id).catch((e) => notFoundAs(e, `alert ${o.id} not found`));
  } else {
    const query = filterQuery(o);
    if (Object.keys(query).filter((k) => k !== 'contains').length === 0 && !o.all) throw new CliError('give a filter, or --all to delete every alert');
    n = await service.deleteByFilter(readFilter(() => readDeleteAlertsQuery(query)));
  }
  console.log(`${n} alert(s) deleted`);
}

export async function flushAlerts(app: INestApplicationContext, o: { maxItems: number; maxAge: string }): Promise<void> {
  const maxAgeMs = parseDuration(o.maxAge);
  if (maxAgeMs === undefined || maxAgeMs <= 0) throw new CliError(`--max-age: '${o.maxAge}' is not a duration (e.g. 7d, 12h)`);
  // The retention reads its limits from the configuration; this run's flags replace them.
  Object.assign(app.get(AppConfig), { flushMaxItems: o.maxItems, flushMaxAgeMs: maxAgeMs });
  const { alerts, decisions } = await app.get(RetentionService).flush();
  console.log(`${alerts} alert(s) and ${decisions} ended decision(s) flushed`);
}
