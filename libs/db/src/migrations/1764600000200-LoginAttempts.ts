import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login attempts per machine id and client address, in the database so every ingest replica
 * counts the same attempts, and counted with one atomic statement before the password check.
 */
export class LoginAttempts1764600000200 implements MigrationInterface {
  name = 'LoginAttempts1764600000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE login_attempts (
         key text PRIMARY KEY,
         window_start timestamptz NOT NULL DEFAULT now(),
         attempts int NOT NULL DEFAULT 0)`,
    );
    await q.query('CREATE INDEX login_attempts_window_start_idx ON login_attempts (window_start)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE login_attempts');
  }
}
