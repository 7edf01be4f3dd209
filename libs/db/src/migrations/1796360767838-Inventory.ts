import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What 1.6+ agents and bouncers tell about themselves (upstream's ent schema: OS, feature flags,
 * hub state and data sources), and the usage metrics they push, kept for the retention window and
 * until the Central API has them (`pushed_at`).
 */
export class Inventory1796360767838 implements MigrationInterface {
  name = 'Inventory1796360767838';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['machines', 'bouncers']) {
      await q.query(
        `ALTER TABLE ${table} ADD COLUMN os_name text NOT NULL DEFAULT '', ADD COLUMN os_family text NOT NULL DEFAULT '',
           ADD COLUMN os_version text NOT NULL DEFAULT '', ADD COLUMN feature_flags text NOT NULL DEFAULT ''`,
      );
    }
    await q.query(`ALTER TABLE machines ADD COLUMN hub_state jsonb, ADD COLUMN datasources jsonb`);
    // Rows the LAPI made itself (a key used from a new host, a certificate's first use), as upstream's auto_created.
    await q.query(`ALTER TABLE bouncers ADD COLUMN auto_created boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE bouncers SET auto_created = true WHERE auth_type = 'tls' OR (ip_address <> '' AND name = split_part(name, '@', 1) || '@' || ip_address)`);
    await q.query(
      `CREATE TABLE usage_metrics (
         id bigserial PRIMARY KEY,
         generated_type text NOT NULL CHECK (generated_type IN ('LP', 'RC')),
         generated_by text NOT NULL,
         received_at timestamptz NOT NULL DEFAULT now(),
         pushed_at timestamptz,
         payload jsonb NOT NULL)`,
    );
    await q.query('CREATE INDEX usage_metrics_received_at_idx ON usage_metrics (received_at)');
    await q.query('CREATE INDEX usage_metrics_unpushed_idx ON usage_metrics (id) WHERE pushed_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE usage_metrics');
    await q.query('ALTER TABLE bouncers DROP COLUMN auto_created');
    await q.query('ALTER TABLE machines DROP COLUMN hub_state, DROP COLUMN datasources');
    for (const table of ['machines', 'bouncers']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN os_name, DROP COLUMN os_family, DROP COLUMN os_version, DROP COLUMN feature_flags`);
    }
  }
}
