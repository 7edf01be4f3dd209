import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Central API client's shared state. One row holds the credentials, the token, the leader
 * lease and the 403 lockout, so every node and every restart sees the same client; login
 * attempts are logged to count the shared budget; signals wait in an outbox until CAPI accepts
 * them. Times here come from the worker's clock (not `now()`), so tests can move it.
 */
export class Capi1764900000000 implements MigrationInterface {
  name = 'Capi1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE capi_state (
      id int PRIMARY KEY CHECK (id = 1),
      machine_id text,
      password text,
      token text,
      token_expires_at timestamptz,
      enrolled boolean NOT NULL DEFAULT false,
      lease_holder text,
      lease_until timestamptz,
      banned_until timestamptz,
      last_login_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      last_pull_at timestamptz,
      next_pull_at timestamptz,
      next_metrics_at timestamptz,
      signal_cursor bigint NOT NULL DEFAULT 0,
      signals_accepted_at timestamptz)`);
    await q.query(`INSERT INTO capi_state (id) VALUES (1)`);
    await q.query(`CREATE TABLE capi_login_attempts (id bigserial PRIMARY KEY, at timestamptz NOT NULL, outcome text NOT NULL DEFAULT 'pending')`);
    await q.query(`CREATE INDEX capi_login_attempts_at_idx ON capi_login_attempts (at)`);
    await q.query(`CREATE TABLE capi_signals (
      id bigserial PRIMARY KEY,
      alert_id bigint NOT NULL UNIQUE,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE capi_blocklist_links (url text PRIMARY KEY, last_modified text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['capi_blocklist_links', 'capi_signals', 'capi_login_attempts', 'capi_state']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
