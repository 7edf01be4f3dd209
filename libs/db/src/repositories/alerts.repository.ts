import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DecisionChanges } from '@lapi/decision-model';
import { ALERT_COLUMNS, AlertFilter, alertFilterSql, findAlert, NewAlert, searchAlerts, StoredAlert } from '../reads';
import { DecisionsRepository, NewDecision } from './decisions.repository';

const JSON_COLUMNS = new Set(['labels', 'events', 'meta']);
/** Keeps each INSERT under Postgres's 65535 parameters. */
const ALERTS_PER_INSERT = 1000;
/** Alerts deleted per statement (their decisions are ended in chunks of their own). */
const ALERTS_PER_DELETE = 5000;

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

  findById(id: string): Promise<StoredAlert | undefined> {
    return findAlert(this.dataSource, id);
  }

  /** Newest first, at most `limit` (0 means all). */
  search(filter: AlertFilter): Promise<StoredAlert[]> {
    return searchAlerts(this.dataSource, filter);
  }

  /** Deletes matching alerts, first ending their active decisions so bouncers learn of it; returns how many. */
  async deleteByFilter(filter: AlertFilter, onChanges: (changes: DecisionChanges) => Promise<void>): Promise<number> {
    const params: unknown[] = [];
    const where = alertFilterSql(filter, params);
    return this.deleteWhere(where, params, onChanges);
  }

  deleteById(id: string, onChanges: (changes: DecisionChanges) => Promise<void>): Promise<number> {
    return this.deleteWhere(['a.id = $1'], [id], onChanges);
  }

  /**
   * One transaction for the whole deletion held the sequence lock, which every write waits on,
   * for as long as ending all the decisions took. So the alerts are taken a page at a time: their
   * decisions ended in chunks (each committed, then handed to `onChanges`), then the rows deleted.
   * The matching ids are read once, up front, so an alert pushed meanwhile is never touched.
   */
  private async deleteWhere(where: string[], params: unknown[], onChanges: (changes: DecisionChanges) => Promise<void>): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT a.id FROM alerts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id`,
      params,
    );
    const ids = rows.map((r) => String(r.id));
    let deleted = 0;
    for (let i = 0; i < ids.length; i += ALERTS_PER_DELETE) {
      const page = ids.slice(i, i + ALERTS_PER_DELETE);
      await this.decisions.endByAlertIds(page, onChanges);
      deleted += affected(await this.dataSource.query('DELETE FROM alerts WHERE id = ANY($1::bigint[])', [page]));
    }
    return deleted;
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
}

function alertKey(machineId: string, uuid: string): string {
  return `${machineId} ${uuid.toLowerCase()}`;
}

function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
