import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Centralized allowlists, as upstream 1.6.8's: named lists of IPs and ranges (v4 and v6), each
 * entry with an optional expiry. An entry's range is a `cidr` like a decision's, GiST-indexed, so
 * "is this address allowlisted" and "which decisions does this entry cover" are both index scans.
 */
export class Allowlists1765000000000 implements MigrationInterface {
  name = 'Allowlists1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE allowlists (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      allowlist_id text NOT NULL DEFAULT '',
      from_console boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX allowlists_name_idx ON allowlists (name)`);
    await q.query(`CREATE TABLE allowlist_items (
      id bigserial PRIMARY KEY,
      allowlist_id bigint NOT NULL REFERENCES allowlists (id) ON DELETE CASCADE,
      value text NOT NULL,
      ip_range cidr NOT NULL,
      comment text NOT NULL DEFAULT '',
      expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX allowlist_items_value_idx ON allowlist_items (allowlist_id, value)`);
    await q.query(`CREATE INDEX allowlist_items_ip_range_idx ON allowlist_items USING gist (ip_range inet_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS allowlist_items`);
    await q.query(`DROP TABLE IF EXISTS allowlists`);
  }
}
