import type { IpSpan } from '@lapi/common';
import { DECISION_COLUMNS, DecisionRecord, toRecord } from '@lapi/decision-model';
import type { AlertEntity } from '../entities/alert.entity';
import { SqlRunner } from './sql-runner';

export type NewAlert = Omit<AlertEntity, 'id' | 'createdAt'>;

export interface StoredAlert {
  alert: AlertEntity;
  decisions: DecisionRecord[];
}

/** GET/DELETE /v1/alerts filters, already validated. */
export interface AlertFilter {
  scope?: string;
  value?: string;
  scenario?: string;
  ip?: IpSpan;
  contains?: boolean;
  since?: Date;
  until?: Date;
  createdBefore?: Date;
  /** Upstream: only `simulated=false` filters; otherwise simulated alerts are included. */
  excludeSimulated?: boolean;
  hasActiveDecision?: boolean;
  decisionType?: string;
  origin?: string;
  /** false keeps alerts whose decisions are local (crowdsec, cscli, cscli-import, console). */
  includeCapi?: boolean;
  alertSource?: string;
  limit?: number;
}

/** The alerts table's columns beside their entity properties (id and created_at are the database's). */
export const ALERT_COLUMNS: [keyof NewAlert, string][] = [
  ['uuid', 'uuid'], ['machineId', 'machine_id'], ['scenario', 'scenario'], ['scenarioHash', 'scenario_hash'],
  ['scenarioVersion', 'scenario_version'], ['message', 'message'], ['eventsCount', 'events_count'],
  ['startedAt', 'started_at'], ['stoppedAt', 'stopped_at'], ['capacity', 'capacity'], ['leakSpeed', 'leak_speed'],
  ['simulated', 'simulated'], ['remediation', 'remediation'], ['sourceScope', 'source_scope'],
  ['sourceValue', 'source_value'], ['sourceIp', 'source_ip'], ['sourceRange', 'source_range'],
  ['sourceAsNumber', 'source_as_number'], ['sourceAsName', 'source_as_name'], ['sourceCountry', 'source_country'],
  ['sourceLatitude', 'source_latitude'], ['sourceLongitude', 'source_longitude'], ['labels', 'labels'],
  ['events', 'events'], ['meta', 'meta'],
];

const SELECT_ALERT = `a.id, a.created_at, ${ALERT_COLUMNS.map(([, c]) => `a.${c}`).join(', ')}`;

/** An alerts row as an entity, as TypeORM would map it (pg already parses dates, numbers and jsonb). */
function toAlertEntity(row: Record<string, unknown>): AlertEntity {
  const alert = { id: String(row.id), createdAt: row.created_at } as Record<string, unknown>;
  for (const [key, col] of ALERT_COLUMNS) alert[key] = row[col];
  return alert as unknown as AlertEntity;
}

/** Newest first, at most `limit` (0 means all), each with its decisions. */
export async function searchAlerts(db: SqlRunner, filter: AlertFilter): Promise<StoredAlert[]> {
  const params: unknown[] = [];
  const where = alertFilterSql(filter, params);
  const limit = filter.limit === 0 ? '' : `LIMIT ${Number(filter.limit ?? 50)}`;
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT ${SELECT_ALERT} FROM alerts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC, a.id DESC ${limit}`,
    params,
  );
  return withDecisions(db, rows.map(toAlertEntity));
}

export async function findAlert(db: SqlRunner, id: string): Promise<StoredAlert | undefined> {
  const rows: Record<string, unknown>[] = await db.query(`SELECT ${SELECT_ALERT} FROM alerts a WHERE a.id = $1`, [id]);
  const [found] = await withDecisions(db, rows.map(toAlertEntity));
  return found;
}

async function withDecisions(db: SqlRunner, alerts: AlertEntity[]): Promise<StoredAlert[]> {
  if (alerts.length === 0) return [];
  const rows = await db.query(`SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.alert_id = ANY($1::bigint[]) ORDER BY d.id`, [alerts.map((a) => a.id)]);
  const byAlert = new Map<string, DecisionRecord[]>(alerts.map((a) => [a.id, []]));
  for (const r of rows) byAlert.get(String(r.alert_id))?.push(toRecord(r));
  return alerts.map((alert) => ({ alert, decisions: byAlert.get(alert.id)! }));
}

/** WHERE clauses for an alert filter on alias `a`. */
export function alertFilterSql(f: AlertFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const hasDecision = (cond: string) => `EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND ${cond})`;
  if (f.excludeSimulated) where.push('NOT a.simulated');
  if (f.scope !== undefined) where.push(`a.source_scope = ${p(f.scope)}`);
  if (f.value !== undefined) where.push(`a.source_value = ${p(f.value)}`);
  if (f.scenario !== undefined) {
    // Upstream matches the decisions' scenario only; an operator also means the alert's own.
    const s = p(f.scenario);
    where.push(`(a.scenario = ${s} OR ${hasDecision(`d.scenario = ${s}`)})`);
  }
  if (f.ip) {
    const op = f.contains === false ? '<<=' : '>>=';
    where.push(hasDecision(`d.ip_range ${op} ${p(f.ip.cidr)}::cidr`));
  }
  if (f.since) where.push(`a.started_at >= ${p(f.since)}`);
  if (f.until) where.push(`a.started_at <= ${p(f.until)}`);
  if (f.createdBefore) where.push(`a.created_at <= ${p(f.createdBefore)}`);
  if (f.decisionType !== undefined) where.push(hasDecision(`d.type = ${p(f.decisionType)}`));
  if (f.origin !== undefined) where.push(hasDecision(`d.origin = ${p(f.origin)}`));
  // Upstream's local origins: decisions cscli imports and the console sends are local too.
  else if (f.includeCapi === false) where.push(hasDecision(`d.origin IN ('crowdsec', 'cscli', 'cscli-import', 'console')`));
  if (f.alertSource !== undefined) where.push(hasDecision(`d.origin = ${p(f.alertSource)}`));
  if (f.hasActiveDecision === true) where.push(hasDecision('NOT d.ended AND d.until > now()'));
  if (f.hasActiveDecision === false) where.push(`NOT ${hasDecision('true')}`);
  return where;
}
