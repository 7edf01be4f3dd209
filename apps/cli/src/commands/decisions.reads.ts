// `decisions list`: read-only, on a plain connection (cli-reader.ts); single files of the libs only.
import { AlertView, readAlertsQuery, toAlertView } from '@lapi/alerts/light';
import { searchAlerts } from '@lapi/db/light';
import type { CliReader } from '../cli-reader';
import { asCscliPrintsIt } from '../cscli-json';
import { asNumberName, OutputFormat, printJson, printList } from '../output';
import { filterQuery, readFilter } from './alerts.reads';
import type { ListOptions } from './decisions.options';

/** The query cscli's `decisions list` sends to GET /v1/alerts, so lapictl reads exactly what cscli would. */
function listQuery(o: ListOptions): Record<string, string> {
  const q = { ...filterQuery(o), has_active_decision: 'true', include_capi: String(Boolean(o.all)), limit: String(o.all ? 0 : o.limit) };
  return { ...q, ...(o.origin ? { origin: o.origin } : {}), ...(o.noSimu ? { simulated: 'false' } : {}) };
}

/** cscli hides repeated (simulated, type, scope, value) decisions across alerts and says how many. */
function dedup(alerts: AlertView[]): number {
  const seen = new Set<string>();
  let skipped = 0;
  for (const a of alerts) {
    a.decisions = a.decisions.filter((d) => {
      const key = `${d.simulated}:${d.type}:${d.scope}:${d.value}`;
      if (seen.has(key)) return ++skipped < 0;
      seen.add(key);
      return true;
    });
  }
  return skipped;
}

export async function listDecisions({ db, config }: CliReader, format: OutputFormat, o: ListOptions): Promise<void> {
  const filter = readFilter(() => readAlertsQuery(listQuery(o), config.maxAlertsLimit));
  const now = Date.now();
  const alerts = (await searchAlerts(db, filter)).map((a) => toAlertView(a, now));
  const skipped = dedup(alerts);
  if (format === 'json') {
    printJson(alerts.map(asCscliPrintsIt));
    return;
  }
  const rows = alerts.flatMap((a) => a.decisions.map((d) => ({ a, d })));
  const machine = (a: AlertView) => (o.machine ? [a.machine_id] : []);
  const header = format === 'raw'
    ? ['id', 'source', 'ip', 'reason', 'action', 'country', 'as', 'events_count', 'expiration', 'simulated', 'alert_id', ...(o.machine ? ['machine'] : [])]
    : ['ID', 'Source', 'Scope:Value', 'Reason', 'Action', 'Country', 'AS', 'Events', 'expiration', 'Alert ID', ...(o.machine ? ['Machine'] : [])];
  printList(format, rows, {
    header,
    row: ({ a, d }) => format === 'raw'
      ? [d.id, d.origin, `${d.scope}:${d.value}`, d.scenario, d.type, a.source.cn, asNumberName(a.source), a.events_count, d.duration, d.simulated, a.id, ...machine(a)]
      : [d.id, d.origin, `${d.scope}:${d.value}`, d.scenario, a.simulated ? `(simul)${d.type}` : d.type, a.source.cn, asNumberName(a.source), a.events_count, d.duration, a.id, ...machine(a)],
  }, undefined, 'No active decisions');
  if (format === 'human' && skipped > 0) console.log(`${skipped} duplicated entries skipped`);
}

