import { INestApplicationContext } from '@nestjs/common';
import { AlertDto, AlertsService, AlertView, readAlertsQuery, toAlertView } from '@lapi/alerts';
import { normalizeScope, parseCidr, parseDuration, parseIp } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DecisionFilter } from '@lapi/db';
import { DecisionWriter } from '@lapi/decisions';
import { SingleBar } from 'cli-progress';
import { CliError } from '../cli-error';
import { asCscliPrintsIt } from '../cscli-json';
import { readImportFile } from '../import-file';
import { asNumberName, OutputFormat, printJson, printList } from '../output';
import type { AddOptions, DeleteOptions, ImportOptions, ListOptions, TargetOptions } from './decisions.command';

/** The machine lapictl's own alerts are recorded under. */
const CLI_MACHINE = { id: 0, machineId: 'lapictl' };

type Query = Record<string, string>;

/** The query cscli's `decisions list` sends to GET /v1/alerts, so lapictl reads exactly what cscli would. */
function listQuery(o: ListOptions): Query {
  const q: Query = { has_active_decision: 'true', include_capi: String(Boolean(o.all)), limit: String(o.all ? 0 : o.limit) };
  const set = (k: string, v: string | undefined) => v !== undefined && v !== '' && (q[k] = v);
  set('ip', o.ip);
  set('range', o.range);
  set('scope', o.scope);
  set('value', o.value);
  set('scenario', o.scenario);
  set('origin', o.origin);
  set('decision_type', o.type);
  set('since', o.since);
  set('until', o.until);
  if (o.noSimu) q.simulated = 'false';
  if (o.contained) q.contains = 'false';
  return q;
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

export async function listDecisions(app: INestApplicationContext, format: OutputFormat, o: ListOptions): Promise<void> {
  const filter = readAlertsQuery(listQuery(o), app.get(AppConfig).maxAlertsLimit);
  const now = Date.now();
  const alerts = (await app.get(AlertsService).search(filter)).map((a) => toAlertView(a, now));
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

/** One alert holding decisions, as cscli builds it for decisions add and import. */
function manualAlert(scope: string, value: string, reason: string, decisions: AlertDto['decisions'], eventsCount = 1): AlertDto {
  const now = new Date().toISOString();
  return {
    scenario: reason, scenario_hash: '', scenario_version: '', message: reason, events_count: eventsCount, start_at: now, stop_at: now,
    capacity: 0, leakspeed: '0', simulated: false, remediation: true, events: [], source: { scope, value }, decisions,
  } as AlertDto;
}

function checkDuration(text: string): void {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new CliError(`'${text}' is not a duration (e.g. 4h, 30m, 1d)`);
}

export async function addDecision(app: INestApplicationContext, o: AddOptions): Promise<void> {
  if (o.ip && !parseIp(o.ip)) throw new CliError(`'${o.ip}' is not an IP address`);
  if (o.range && !parseCidr(o.range)) throw new CliError(`'${o.range}' is not a CIDR range`);
  checkDuration(o.duration);
  const scope = o.ip ? 'Ip' : o.range ? 'Range' : o.scope ? normalizeScope(o.scope) : undefined;
  const value = o.ip ?? o.range ?? o.value;
  if (!scope || !value) throw new CliError('missing arguments, a value is required (--ip, --range or --scope and --value)');
  const reason = o.reason ?? `manual '${o.type}' from '${CLI_MACHINE.machineId}'`;
  const decision = { origin: 'cscli', type: o.type, scope, value, duration: o.duration, scenario: reason };
  await app.get(AlertsService).create(CLI_MACHINE, [manualAlert(scope, value, reason, [decision])]);
  console.log(`Decision successfully added: ${o.type} on ${scope}:${value} for ${o.duration}`);
}

function deleteFilter(o: TargetOptions): DecisionFilter {
  const filter: DecisionFilter = { type: o.type, scenario: o.scenario, origins: o.origin ? [o.origin] : undefined, contains: !o.contained };
  if (o.ip) filter.ip = parseIp(o.ip) ?? fail(`'${o.ip}' is not an IP address`);
  if (o.range) filter.ip = parseCidr(o.range) ?? fail(`'${o.range}' is not a CIDR range`);
  if (o.scope) filter.scopes = [normalizeScope(o.scope)];
  if (o.value) filter.value = o.value;
  return filter;
}

function fail(message: string): never {
  throw new CliError(message);
}

export async function deleteDecisions(app: INestApplicationContext, o: DeleteOptions): Promise<void> {
  const writer = app.get(DecisionWriter);
  let n: number;
  if (o.id) {
    if (!/^\d+$/.test(o.id)) fail(`decision id '${o.id}' is not a number`);
    n = await writer.deleteById(Number(o.id));
  } else {
    const narrowed = o.ip || o.range || o.scope || o.value || o.type || o.origin || o.scenario;
    if (!narrowed && !o.all) fail('give a filter, or --all to delete every decision');
    n = await writer.deleteByFilter(deleteFilter(o));
  }
  console.log(`${n} decision(s) deleted`);
}

export async function importDecisions(app: INestApplicationContext, format: OutputFormat, o: ImportOptions): Promise<void> {
  if (o.duration) checkDuration(o.duration);
  const { lines, skipped } = readImportFile(o.input, o.format, o);
  for (const s of skipped) console.error(`line ${s.line}: skipped: ${s.why}`);
  const batch = Math.max(1, o.batch);
  const bar = format === 'human' && process.stderr.isTTY ? new SingleBar({ stream: process.stderr }) : undefined;
  bar?.start(lines.length, 0);
  for (let i = 0; i < lines.length; i += batch) {
    const part = lines.slice(i, i + batch);
    const decisions = part.map((l) => ({ origin: l.origin, type: l.type, scope: l.scope, value: l.value, duration: l.duration, scenario: l.reason }));
    // As cscli's import: one alert per batch, source scope cscli/manual-import.
    await app.get(AlertsService).create(CLI_MACHINE, [manualAlert('cscli/manual-import', '', `add: ${part.length} IPs`, decisions, part.length)]);
    bar?.update(i + part.length);
  }
  bar?.stop();
  console.log(`${lines.length} decision(s) imported${skipped.length ? `, ${skipped.length} line(s) skipped` : ''}`);
  if (skipped.length) process.exitCode = 1;
}
