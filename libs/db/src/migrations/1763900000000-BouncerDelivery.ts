import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A stream reply in flight: the cursor is moved before the reply is sent (so a poll on another
 * replica never repeats it), and the delivery is confirmed once the reply is out. A delivery
 * left unconfirmed (the replica died mid-reply) is sent again from `delivering_from`.
 */
export class BouncerDelivery1763900000000 implements MigrationInterface {
  name = 'BouncerDelivery1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE bouncers ADD COLUMN delivering_from bigint, ADD COLUMN delivering_until timestamptz, ADD COLUMN delivery_id int');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE bouncers DROP COLUMN delivering_from, DROP COLUMN delivering_until, DROP COLUMN delivery_id');
  }
}
