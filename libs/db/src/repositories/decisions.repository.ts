import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DECISION_COLUMNS, DecisionChanges, DecisionFilter, decisionFilterSql, DecisionRecord, DecisionRow, toRecord } from '@lapi/decision-model';
import { queueCapiDeletions } from './capi-deletions.repository';

/** A decision to create; its alert id is filled in by the alert insert. */
export interface NewDecision {
  uuid: string;
  until: Date;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
  simulated: boolean;
  /** Canonical CIDR for Ip and Range scopes, null for the others. */
  ipRange: string | null;
}

/** Whether a deletion is reported beyond the bouncers: to the Central API (upstream's share_manual_decisions). */
export interface DeletionReport {
  toCapi: boolean;
}

/** Decisions ended per transaction by a deletion or the expiry sweep (each holds the sequence lock). */
const END_CHUNK = 5000;
/** Rows per snapshot query. */
const SNAPSHOT_CHUNK = 20_000;


/** TypeORM answers UPDATE/DELETE ... RETURNING with [rows, count], INSERT and SELECT with rows. */
export function returnedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * Decisions and the change log. Every write that creates or ends decisions locks the single
 * `change_head` row for the rest of its transaction and numbers its changes from it, so
 * numbers are contiguous and a reader that sees number N has already been able to see every
 * number below it. Bouncer cursors rely on that.
 */
@Injectable()
export class DecisionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The highest committed change number. */
  async head(): Promise<number> {
    const [row] = await this.dataSource.query('SELECT seq FROM change_head WHERE id = 1');
    return Number(row.seq);
  }

  /** Inserts decisions for alerts inside the caller's transaction; returns them numbered. */
  async insertInTransaction(em: EntityManager, alertIds: string[], perAlert: NewDecision[][]): Promise<DecisionChanges | undefined> {
    const flat: { alertId: string; d: NewDecision }[] = [];
    perAlert.forEach((list, i) => list.forEach((d) => flat.push({ alertId: alertIds[i], d })));
    if (flat.length === 0) return undefined;
    const base = await this.lockHead(em);
    const rows: DecisionRow[] = await em.query(
      `INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin, simulated, ip_range, seq)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::boolean[], $10::cidr[], $11::bigint[])
       RETURNING ${DECISION_COLUMNS.replace(/d\./g, '')}`,
      [
        flat.map((x) => x.d.uuid),
        flat.map((x) => x.alertId),
        flat.map((x) => x.d.until.toISOString()),
        flat.map((x) => x.d.scenario),
        flat.map((x) => x.d.type),
        flat.map((x) => x.d.scope),
        flat.map((x) => x.d.value),
        flat.map((x) => x.d.origin),
        flat.map((x) => x.d.simulated),
        flat.map((x) => x.d.ipRange),
        flat.map((_, i) => base + i + 1),
      ],
    );
    await this.setHead(em, base + rows.length);
    return { fromSeq: base + 1, toSeq: base + rows.length, decisions: rows.map(toRecord) };
  }

  /** Ends (expires now) the active decisions matching `where` (at most `limit`), numbering each end. */
  async endInTransaction(em: EntityManager, where: string[], params: unknown[], limit?: number): Promise<DecisionChanges | undefined> {
    const base = await this.lockHead(em);
    params.push(base);
    const baseParam = `$${params.length}`;
    const rows = returnedRows<DecisionRow>(
      await em.query(
        `WITH hit AS (
           SELECT d.id, row_number() OVER (ORDER BY d.id) AS n FROM decisions d
           WHERE NOT d.ended AND d.until > now() ${where.map((w) => `AND ${w}`).join(' ')}
           ORDER BY d.id ${limit === undefined ? '' : `LIMIT ${Math.floor(limit)}`})
         UPDATE decisions d SET until = now(), ended = true, seq = ${baseParam}::bigint + hit.n
         FROM hit WHERE d.id = hit.id RETURNING ${DECISION_COLUMNS}`,
        params,
      ),
    );
    if (rows.length === 0) return undefined;
    await this.setHead(em, base + rows.length);
    rows.sort((a, b) => Number(a.seq) - Number(b.seq));
    return { fromSeq: base + 1, toSeq: base + rows.length, decisions: rows.map(toRecord) };
  }

  /**
   * Ends the active decisions that match a filter (DELETE /v1/decisions), in transactions of at
   * most `chunk` so the sequence lock is never held for long: every write waits on it. Each
   * chunk goes to `onChunk` once committed. Returns how many were ended.
   */
  async endByFilter(filter: DecisionFilter, onChunk: (changes: DecisionChanges) => Promise<void>, chunk = END_CHUNK, report?: DeletionReport): Promise<number> {
    return this.inChunks(chunk, onChunk, async (em) => {
      const params: unknown[] = [];
      const where = decisionFilterSql({ ...filter, includeSimulated: true }, params);
      return this.reported(em, report, await this.endInTransaction(em, where, params, chunk));
    });
  }

  private async inChunks(chunk: number, onChunk: (changes: DecisionChanges) => Promise<void>, step: (em: EntityManager) => Promise<DecisionChanges | undefined>): Promise<number> {
    for (let total = 0; ; ) {
      const changes = await this.dataSource.transaction(step);
      if (!changes) return total;
      total += changes.decisions.length;
      await onChunk(changes);
      if (changes.decisions.length < chunk) return total;
    }
  }

  endById(id: number, report?: DeletionReport): Promise<DecisionChanges | undefined> {
    return this.dataSource.transaction(async (em) => this.reported(em, report, await this.endInTransaction(em, ['d.id = $1'], [id])));
  }

  /** Queues the ended decisions for the Central API in the deletion's transaction, when the caller shares deletions. */
  private async reported(em: EntityManager, report: DeletionReport | undefined, changes: DecisionChanges | undefined): Promise<DecisionChanges | undefined> {
    if (changes && report?.toCapi) await queueCapiDeletions(em, changes.decisions.map((d) => d.uuid));
    return changes;
  }

  /** Ends the active decisions of some alerts (before they are deleted), in chunks as endByFilter. */
  endByAlertIds(alertIds: string[], onChunk: (changes: DecisionChanges) => Promise<void>, chunk = END_CHUNK): Promise<number> {
    return this.inChunks(chunk, onChunk, (em) => this.endInTransaction(em, ['d.alert_id = ANY($1::bigint[])'], [alertIds], chunk));
  }

  /** Records the end of decisions whose time ran out, so bouncers are told; in chunks, as endByFilter. */
  sweepExpired(onChunk: (changes: DecisionChanges) => Promise<void>, chunk = END_CHUNK): Promise<number> {
    return this.inChunks(chunk, onChunk, async (em) => {
      const [due] = await em.query('SELECT 1 FROM decisions WHERE NOT ended AND until <= now() LIMIT 1');
      if (!due) return undefined;
      const base = await this.lockHead(em);
      const rows = returnedRows<DecisionRow>(
        await em.query(
          `WITH hit AS (
             SELECT d.id, row_number() OVER (ORDER BY d.id) AS n FROM decisions d WHERE NOT d.ended AND d.until <= now()
             ORDER BY d.id LIMIT ${Math.floor(chunk)})
           UPDATE decisions d SET ended = true, seq = $1::bigint + hit.n FROM hit WHERE d.id = hit.id RETURNING ${DECISION_COLUMNS}`,
          [base],
        ),
      );
      if (rows.length === 0) return undefined;
      await this.setHead(em, base + rows.length);
      rows.sort((a, b) => Number(a.seq) - Number(b.seq));
      return { fromSeq: base + 1, toSeq: base + rows.length, decisions: rows.map(toRecord) };
    });
  }

  /**
   * A consistent snapshot for building an index, handed over in chunks so a million decisions
   * never sit in memory twice: every decision changed after `afterSeq` that is still active or
   * ended less than `keepEndedMs` ago. Returns the head it was taken at, and the highest number
   * among the ended ones left out (the index cannot answer for cursors below it).
   */
  async snapshot(afterSeq: number, keepEndedMs: number, onChunk: (decisions: DecisionRecord[]) => void): Promise<{ head: number; droppedUpTo: number }> {
    return this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const [h] = await em.query('SELECT seq FROM change_head WHERE id = 1');
      for (let after = afterSeq; ; ) {
        const rows: DecisionRow[] = await em.query(
          `SELECT ${DECISION_COLUMNS} FROM decisions d
           WHERE d.seq > $1 AND (NOT d.ended OR d.until > now() - ($2::bigint * interval '1 millisecond'))
           ORDER BY d.seq LIMIT ${SNAPSHOT_CHUNK}`,
          [after, keepEndedMs],
        );
        if (rows.length) onChunk(rows.map(toRecord));
        if (rows.length < SNAPSHOT_CHUNK) break;
        after = Number(rows[rows.length - 1].seq);
      }
      const [dropped] = await em.query(
        `SELECT coalesce(max(seq), 0) AS seq FROM decisions d
         WHERE d.seq > $1 AND d.ended AND d.until <= now() - ($2::bigint * interval '1 millisecond')`,
        [afterSeq, keepEndedMs],
      );
      return { head: Number(h.seq), droppedUpTo: Number(dropped.seq) };
    });
  }

  /** Decisions whose latest change is in (afterSeq, upToSeq]: a stream delta the index cannot serve. */
  async changedBetween(afterSeq: number, upToSeq: number): Promise<DecisionRecord[]> {
    const rows: DecisionRow[] = await this.dataSource.query(
      `SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.seq > $1 AND d.seq <= $2 ORDER BY d.seq`,
      [afterSeq, upToSeq],
    );
    return rows.map(toRecord);
  }

  /** Active decisions per reason, origin and action, for upstream's cs_active_decisions gauge. */
  async countActiveByReason(): Promise<{ scenario: string; origin: string; type: string; n: number }[]> {
    return this.dataSource.query('SELECT scenario, origin, type, count(*)::int AS n FROM decisions WHERE NOT ended AND until > now() GROUP BY scenario, origin, type');
  }

  /** Removes ended decisions older than `maxAgeMs` that no alert holds any more. */
  async purgeEnded(maxAgeMs: number): Promise<number> {
    const res = await this.dataSource.query(
      `DELETE FROM decisions WHERE ended AND until < now() - ($1::bigint * interval '1 millisecond') AND alert_id IS NULL`,
      [maxAgeMs],
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  private async lockHead(em: EntityManager): Promise<number> {
    const [row] = await em.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
    return Number(row.seq);
  }

  private async setHead(em: EntityManager, seq: number): Promise<void> {
    await em.query('UPDATE change_head SET seq = $1 WHERE id = 1', [seq]);
  }
}
