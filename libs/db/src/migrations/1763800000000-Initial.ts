import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1763800000000 implements MigrationInterface {
  name = 'Initial1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE machines (
      id serial PRIMARY KEY,
      machine_id text NOT NULL UNIQUE,
      password_hash text,
      ip_address text NOT NULL DEFAULT '',
      scenarios text NOT NULL DEFAULT '',
      version text NOT NULL DEFAULT '',
      is_validated boolean NOT NULL DEFAULT false,
      auth_type text NOT NULL DEFAULT 'password',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_push timestamptz,
      last_heartbeat timestamptz)`);
    await q.query(`CREATE TABLE bouncers (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      api_key_hash text NOT NULL,
      ip_address text NOT NULL DEFAULT '',
      type text NOT NULL DEFAULT '',
      version text NOT NULL DEFAULT '',
      auth_type text NOT NULL DEFAULT 'api-key',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_pull timestamptz,
      last_seq bigint NOT NULL DEFAULT 0)`);
    await q.query(`CREATE INDEX bouncers_api_key_hash_idx ON bouncers (api_key_hash)`);
    await q.query(`CREATE TABLE alerts (
      id bigserial PRIMARY KEY,
      uuid uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      machine_id text NOT NULL DEFAULT '',
      scenario text NOT NULL,
      scenario_hash text NOT NULL DEFAULT '',
      scenario_version text NOT NULL DEFAULT '',
      message text NOT NULL DEFAULT '',
      events_count int NOT NULL DEFAULT 0,
      started_at timestamptz,
      stopped_at timestamptz,
      capacity int NOT NULL DEFAULT 0,
      leak_speed text NOT NULL DEFAULT '',
      simulated boolean NOT NULL DEFAULT false,
      remediation boolean NOT NULL DEFAULT false,
      source_scope text NOT NULL DEFAULT '',
      source_value text NOT NULL DEFAULT '',
      source_ip text NOT NULL DEFAULT '',
      source_range text NOT NULL DEFAULT '',
      source_as_number text NOT NULL DEFAULT '',
      source_as_name text NOT NULL DEFAULT '',
      source_country text NOT NULL DEFAULT '',
      source_latitude float8 NOT NULL DEFAULT 0,
      source_longitude float8 NOT NULL DEFAULT 0,
      labels jsonb NOT NULL DEFAULT '[]',
      events jsonb NOT NULL DEFAULT '[]',
      meta jsonb NOT NULL DEFAULT '[]')`);
    await q.query(`CREATE INDEX alerts_created_at_idx ON alerts (created_at)`);
    await q.query(`CREATE INDEX alerts_started_at_idx ON alerts (started_at)`);
    await q.query(`CREATE INDEX alerts_source_value_idx ON alerts (source_value)`);
    await q.query(`CREATE TABLE decisions (
      id bigserial PRIMARY KEY,
      uuid uuid NOT NULL,
      alert_id bigint REFERENCES alerts (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      until timestamptz NOT NULL,
      scenario text NOT NULL DEFAULT '',
      type text NOT NULL,
      scope text NOT NULL,
      value text NOT NULL,
      origin text NOT NULL,
      simulated boolean NOT NULL DEFAULT false,
      ip_range cidr,
      seq bigint NOT NULL,
      ended boolean NOT NULL DEFAULT false)`);
    await q.query(`CREATE INDEX decisions_alert_id_idx ON decisions (alert_id)`);
    await q.query(`CREATE UNIQUE INDEX decisions_seq_idx ON decisions (seq)`);
    await q.query(`CREATE INDEX decisions_open_until_idx ON decisions (until) WHERE NOT ended`);
    await q.query(`CREATE INDEX decisions_ip_range_idx ON decisions USING gist (ip_range inet_ops)`);
    await q.query(`CREATE INDEX decisions_value_idx ON decisions (value)`);
    // The head of the change log. Writers lock this row for the end of their transaction,
    // so sequence numbers are handed out contiguously and become visible in order.
    await q.query(`CREATE TABLE change_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL)`);
    await q.query(`INSERT INTO change_head (id, seq) VALUES (1, 0)`);
    await q.query(`CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['settings', 'change_head', 'decisions', 'alerts', 'bouncers', 'machines']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
