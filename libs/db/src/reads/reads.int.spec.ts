import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { Client } from 'pg';
import { Database, openDatabase } from '../data-source';
import { AlertEntity, BouncerEntity, MachineEntity } from '../entities';
import { listBouncers, listMachines } from './admin-lists';
import { searchAlerts } from './alert-search';
import { pgRunner } from './sql-runner';

// lapictl's lists read with plain SQL on a plain `pg` connection. They must give exactly what
// TypeORM's entity mapping gives, so a column added to an entity and forgotten here fails.
describe('reads without TypeORM', () => {
  let tdb: TestDatabase;
  let db: Database;
  let client: Client;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url, dataDir: '' });
    client = new Client({ connectionString: tdb.url });
    await client.connect();
    await client.query(`INSERT INTO machines (machine_id, password_hash, ip_address, scenarios, version, is_validated, last_push)
      VALUES ('agent-1', 'hash', '192.0.2.1', 'ssh-bf', 'v1.4.6', true, now()), ('agent-2', NULL, '', '', '', false, NULL)`);
    await client.query(`INSERT INTO bouncers (name, api_key_hash, ip_address, type, last_pull, last_seq)
      VALUES ('fw-1', 'h1', '192.0.2.9', 'crowdsec-firewall-bouncer', now(), 42), ('fw-2', 'h2', '', '', NULL, 0)`);
    const [{ id }] = (await client.query(`INSERT INTO alerts (uuid, machine_id, scenario, events_count, started_at, capacity, source_scope,
      source_value, source_latitude, labels, events, meta) VALUES (gen_random_uuid(), 'agent-1', 'ssh-bf', 6, now(), 5, 'Ip',
      '192.0.2.7', 48.5, '["x"]', '[{"timestamp":"t","meta":[{"key":"k","value":"v"}]}]', '[{"key":"a","value":"b"}]') RETURNING id`)).rows;
    await client.query(`INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin, ip_range, seq)
      VALUES (gen_random_uuid(), $1, now() + interval '1 hour', 'ssh-bf', 'ban', 'Ip', '192.0.2.7', 'crowdsec', '192.0.2.7/32', 1)`, [id]);
    await client.query(`INSERT INTO alerts (uuid, machine_id, scenario) VALUES (gen_random_uuid(), 'agent-2', 'no-decisions')`);
  });
  afterAll(async () => {
    await client.end();
    await db.close();
    await tdb.drop();
  });

  it('lists machines and bouncers as their entities, without the secret hashes', async () => {
    const order = { order: { id: 'ASC' as const } };
    expect(await listMachines(pgRunner(client))).toEqual(await db.dataSource.getRepository(MachineEntity).find(order));
    expect(await listBouncers(pgRunner(client))).toEqual(await db.dataSource.getRepository(BouncerEntity).find(order));
    expect(JSON.stringify(await listMachines(pgRunner(client)))).not.toMatch(/hash/i);
  });

  it('finds alerts as their entities, newest first, each with its decisions', async () => {
    const found = await searchAlerts(pgRunner(client), { limit: 0 });
    const entities = await db.dataSource.getRepository(AlertEntity).find({ order: { createdAt: 'DESC', id: 'DESC' } });
    expect(found.map((f) => f.alert)).toEqual(entities);
    expect(found.map((f) => f.decisions.map((d) => d.value))).toEqual([[], ['192.0.2.7']]);
    expect(await searchAlerts(db.dataSource, { limit: 0 })).toEqual(found);
  });
});
