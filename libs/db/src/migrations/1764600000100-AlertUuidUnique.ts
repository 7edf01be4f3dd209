import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An agent that re-sends a push (its reply was lost) must not store the alert twice: an alert
 * is identified by its machine and the uuid the agent gave it. Duplicates already stored keep
 * their rows but get fresh uuids, so the index can be built.
 */
export class AlertUuidUnique1764600000100 implements MigrationInterface {
  name = 'AlertUuidUnique1764600000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE alerts SET uuid = gen_random_uuid() WHERE id IN (
         SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY machine_id, uuid ORDER BY id) AS n FROM alerts) d WHERE n > 1)`,
    );
    await q.query('CREATE UNIQUE INDEX alerts_machine_uuid_idx ON alerts (machine_id, uuid)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX alerts_machine_uuid_idx');
  }
}
