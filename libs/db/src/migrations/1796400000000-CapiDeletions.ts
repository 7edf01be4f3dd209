import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox of manual deletions for the Central API (upstream's POST /v3/decisions/delete).
 * A deletion is queued in the transaction that ends the decisions, so whichever node made it,
 * the CAPI leader sends it once CAPI is reachable, and a restart in between loses nothing.
 */
export class CapiDeletions1796400000000 implements MigrationInterface {
  name = 'CapiDeletions1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE capi_deletions (
      id bigserial PRIMARY KEY,
      decision_uuid uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE capi_deletions');
  }
}
