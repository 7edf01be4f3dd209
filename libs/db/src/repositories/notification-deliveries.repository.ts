import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from './decisions.repository';

export interface NewDelivery {
  notifier: string;
  alert: unknown;
  dueAt: Date;
}

export interface ClaimedDelivery {
  id: string;
  notifier: string;
  alert: unknown;
  /** This attempt's number, from 1. */
  attempts: number;
}

/** The notifications outbox. Claims use SKIP LOCKED and a lease, so two nodes never hold one row at once. */
@Injectable()
export class NotificationDeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async enqueue(rows: NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO notification_deliveries (notifier, alert, due_at) SELECT * FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[])`,
      [rows.map((r) => r.notifier), rows.map((r) => JSON.stringify(r.alert)), rows.map((r) => r.dueAt.toISOString())],
    );
  }

  /** Takes up to `limit` due rows for `leaseMs`; a row whose lease ran out (its node died mid-send) is due again. */
  async claim(holder: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = returnedRows<ClaimedDelivery>(
      await this.dataSource.query(
        `WITH due AS (
           SELECT id FROM notification_deliveries
           WHERE delivered_at IS NULL AND failed_at IS NULL AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         UPDATE notification_deliveries n SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2::double precision / 1000), attempts = n.attempts + 1
         FROM due WHERE n.id = due.id
         RETURNING n.id::text AS id, n.notifier, n.alert, n.attempts`,
        [holder, leaseMs, limit],
      ),
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Only while this node still holds the claim: a late answer after the lease ran out changes nothing. */
  async delivered(ids: string[], holder: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_deliveries SET delivered_at = now(), claimed_by = NULL, claimed_until = NULL, last_error = NULL
       WHERE id = ANY($1::bigint[]) AND claimed_by = $2`,
      [ids, holder],
    );
  }

  async failed(ids: string[], holder: string, error: string, retryAt: Date | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_deliveries SET claimed_by = NULL, claimed_until = NULL, last_error = $3,
         due_at = COALESCE($4::timestamptz, due_at), failed_at = CASE WHEN $4::timestamptz IS NULL THEN now() END
       WHERE id = ANY($1::bigint[]) AND claimed_by = $2`,
      [ids, holder, error.slice(0, 1000), retryAt?.toISOString() ?? null],
    );
  }

  /** Rows waiting (not delivered, not given up), for the gauge. */
  async pending(): Promise<{ notifier: string; n: number }[]> {
    return this.dataSource.query(
      `SELECT notifier, count(*)::int AS n FROM notification_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL GROUP BY notifier`,
    );
  }

  /** Delivered and given-up rows older than `maxAgeMs` go, as alerts do. */
  async purge(maxAgeMs: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM notification_deliveries WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL) AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [maxAgeMs],
    );
  }
}
