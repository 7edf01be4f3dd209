import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications waiting for their endpoint: one row per alert and notification, kept until the
 * endpoint answers 2xx (or retries run out). A node sends a row only while it holds its claim
 * (claimed_by, claimed_until), so one cluster sends each notification once, whichever node took it.
 */
export class NotificationDeliveries1765000000100 implements MigrationInterface {
  name = 'NotificationDeliveries1765000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification_deliveries (
      id bigserial PRIMARY KEY,
      notifier text NOT NULL,
      alert jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      due_at timestamptz NOT NULL,
      attempts int NOT NULL DEFAULT 0,
      claimed_by text,
      claimed_until timestamptz,
      delivered_at timestamptz,
      failed_at timestamptz,
      last_error text)`);
    await q.query(`CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (due_at) WHERE delivered_at IS NULL AND failed_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notification_deliveries`);
  }
}
