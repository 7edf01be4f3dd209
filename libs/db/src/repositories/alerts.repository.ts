import { Injectable } from '@nestjs/common';
import { DecisionRecord, IpSpan } from '@lapi/common';
import { DataSource, EntityManager } from 'typeorm';
import { AlertEntity } from '../entities';
import { DecisionChanges, DecisionsRepository, NewDecision, toRecord } from './decisions.repository';

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

const ALERT_COLUMNS: [keyof NewAlert, string][] = [
  ['uuid', 'uuid'], ['machineId', 'machine_id'], ['scenario', 'scenario'], ['scenarioHash', 'scenario_hash'],
  ['scenarioVersion', 'scenario_version'], ['message', 'message'], ['eventsCount', 'events_count'],
  ['startedAt', 'started_at'], ['stoppedAt', 'stopped_at'], ['capacity', 'capacity'], ['leakSpeed', 'leak_speed'],
  ['simulated', 'simulated'], ['remediation', 'remediation'], ['sourceScope', 'source_scope'],
  ['sourceValue', 'source_value'], ['sourceIp', 'source_ip'], ['sourceRange', 'source_range'],
  ['sourceAsNumber', 'source_as_number'], ['sourceAsName', 'source_as_name'], ['sourceCountry', 'source_country'],
  ['sourceLatitude', 'source_latitude'], ['sourceLongitude', 'source_longitude'], ['labels', 'labels'],
  ['events', 'events'], ['meta', 'meta'],
];
const JSON_COLUMNS = new Set(['labels', 'events', 'meta']);
/** Keeps each INSERT under Postgres's 65535 parameters. */
const ALERTS_PER_INSERT = 1000;

@Injectable()
export class AlertsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly decisions: DecisionsRepository,
  ) {}

  /**
   * Writes alerts and their decisions in one transaction: all of them or none. An alert whose
   * machine already stored one with its uuid (a re-sent push) is not stored again: its id is the
   * existing one, and its decisions are not added twice.
   */
  async insertWithDecisions(alerts: NewAlert[], decisions: NewDecision[][]): Promise<{ alertIds: string[]; changes?: DecisionChanges }> {
    return this.dataSource.transaction(async (em) => {
      const idByKey = new Map<string, string>();
      const fresh: number[] = [];
      for (let i = 0; i < alerts.length; i += ALERTS_PER_INSERT) {
        const chunk = alerts.slice(i, i + ALERTS_PER_INSERT);
        for (const r of await this.insertChunk(em, chunk)) idByKey.set(alertKey(r.machine_id, r.uuid), String(r.id));
      }
      const seen = new Set<string>();
      alerts.forEach((a, i) => {
        const key = alertKey(a.machineId, a.uuid);
        if (idByKey.has(key) && !seen.has(key)) fresh.push(i);
        seen.add(key);
      });
      for (const [key, id] of await this.existingIds(em, alerts.filter((a) => !idByKey.has(alertKey(a.machineId, a.uuid))))) idByKey.set(key, id);
      const alertIds = alerts.map((a) => idByKey.get(alertKey(a.machineId, a.uuid))!);
      const changes = await this.decisions.insertInTransaction(em, fresh.map((i) => alertIds[i]), fresh.map((i) => decisions[i]));
      return { alertIds, changes };
    });
  }

  /** Inserts the alerts not stored yet; returns the new rows. */
  private insertChunk(em: EntityManager, chunk: NewAlert[]): Promise<{ id: string; machine_id: string; uuid: string }[]> {
    const params: unknown[] = [];
    const tuples = chunk.map((a) =>
      `(${ALERT_COLUMNS.map(([key, col]) => {
        params.push(JSON_COLUMNS.has(col) ? JSON.stringify(a[key]) : a[key]);
        return `$${params.length}`;
      }).join(', ')})`,
    );
    return em.query(
      `INSERT INTO alerts (${ALERT_COLUMNS.map(([, c]) => c).join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (machine_id, uuid) DO NOTHING RETURNING id, machine_id, uuid`,
      params,
    );
  }

  /** The ids of alerts already stored under these machines' uuids. */
  private async existingIds(em: EntityManager, alerts: NewAlert[]): Promise<[string, string][]> {
    if (alerts.length === 0) return [];
    const rows: { id: string; machine_id: string; uuid: string }[] = await em.query(
      'SELECT a.id, a.machine_id, a.uuid FROM alerts a JOIN unnest($1::text[], $2::uuid[]) k(m, u) ON a.machine_id = k.m AND a.uuid = k.u',
      [alerts.map((a) => a.machineId), alerts.map((a) => a.uuid)],
    );
    return rows.map((r) => [alertKey(r.machine_id, r.uuid), String(r.id)]);
  }

  async findById(id: string): Promise<StoredAlert | undefined> {
    const alert = await this.dataSource.getRepository(AlertEntity).findOne({ where: { id } });
    if (!alert) return undefined;
    return { alert, decisions: await this.decisionsOf([id]).then((m) => m.get(id) ?? []) };
  }

  /** Newest first, at most `limit` (0 means all). */
  async search(filter: AlertFilter): Promise<StoredAlert[]> {
    const params: unknown[] = [];
    const where = alertFilterSql(filter, params);
    const limit = filter.limit === 0 ? '' : `LIMIT ${Number(filter.limit ?? 50)}`;
    const ids: { id: string }[] = await this.dataSource.query(
      `SELECT a.id FROM alerts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC, a.id DESC ${limit}`,
      params,
    );
    if (ids.length === 0) return [];
    const idList = ids.map((r) => String(r.id));
    const alerts = await this.dataSource.getRepository(AlertEntity).createQueryBuilder('a').where('a.id IN (:...ids)', { ids: idList }).getMany();
    const byId = new Map(alerts.map((a) => [String(a.id), a]));
    const decisions = await this.decisionsOf(idList);
    return idList.filter((id) => byId.has(id)).map((id) => ({ alert: byId.get(id)!, decisions: decisions.get(id) ?? [] }));
  }

  /** Deletes matching alerts, first ending their active decisions so bouncers learn of it. */
  async deleteByFilter(filter: AlertFilter): Promise<{ deleted: number; changes?: DecisionChanges }> {
    const params: unknown[] = [];
    const where = alertFilterSql(filter, params);
    return this.deleteWhere(where, params);
  }

  async deleteById(id: string): Promise<{ deleted: number; changes?: DecisionChanges }> {
    return this.deleteWhere(['a.id = $1'], [id]);
  }

  private deleteWhere(where: string[], params: unknown[]): Promise<{ deleted: number; changes?: DecisionChanges }> {
    return this.dataSource.transaction(async (em) => {
      const rows: { id: string }[] = await em.query(
        `SELECT a.id FROM alerts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} FOR UPDATE`,
        params,
      );
      if (rows.length === 0) return { deleted: 0 };
      const ids = rows.map((r) => String(r.id));
      const changes = await this.decisions.endByAlertIds(em, ids);
      await em.query('DELETE FROM alerts WHERE id = ANY($1::bigint[])', [ids]);
      return { deleted: ids.length, changes };
    });
  }

  /**
   * Retention as upstream's flush: drops alerts older than `maxAgeMs`, then all but the newest
   * `maxItems`; alerts that still hold an active decision are kept.
   */
  async flush(maxItems: number, maxAgeMs: number): Promise<number> {
    const keep = `NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND NOT d.ended AND d.until > now())`;
    const byAge = await this.dataSource.query(
      `DELETE FROM alerts a WHERE a.created_at < now() - ($1::bigint * interval '1 millisecond') AND ${keep}`,
      [maxAgeMs],
    );
    const byCount = await this.dataSource.query(
      `DELETE FROM alerts a WHERE a.id IN (SELECT id FROM alerts ORDER BY created_at DESC, id DESC OFFSET $1) AND ${keep}`,
      [maxItems],
    );
    return affected(byAge) + affected(byCount);
  }

  /** Alerts per scenario, for upstream's cs_alerts gauge (which leaves out the Central API's). */
  async countByScenario(): Promise<{ scenario: string; n: number }[]> {
    return this.dataSource.query(`SELECT scenario, count(*)::int AS n FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND d.origin IN ('CAPI', 'lists')) GROUP BY scenario`);
  }

  async count(): Promise<number> {
    const [row] = await this.dataSource.query('SELECT count(*)::int AS n FROM alerts');
    return row.n;
  }

  private async decisionsOf(alertIds: string[]): Promise<Map<string, DecisionRecord[]>> {
    const rows = await this.dataSource.query(
      `SELECT d.id, d.uuid, d.alert_id, d.created_at, d.until, d.scenario, d.type, d.scope, d.value, d.origin,
              d.simulated, d.seq, d.ended
       FROM decisions d WHERE d.alert_id = ANY($1::bigint[]) ORDER BY d.id`,
      [alertIds],
    );
    const out = new Map<string, DecisionRecord[]>();
    for (const r of rows) {
      const key = String(r.alert_id);
      if (!out.has(key)) out.set(key, []);
      out.get(key)!.push(toRecord(r));
    }
    return out;
  }
}

function alertKey(machineId: string, uuid: string): string {
  return `${machineId} ${uuid.toLowerCase()}`;
}

function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
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
