import { InProcessBus } from '@lapi/bus';
import { AppConfig, loadConfig } from '@lapi/config';
import { Database, FleetCleanupRepository, openDatabase } from '@lapi/db';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { Client } from 'pg';
import { FleetCleanupService } from './fleet-cleanup.service';

const HOUR = 3_600_000;

/** Upstream's flush of usage metrics and its bouncers_autodelete / agents_autodelete, on the real Postgres. */
describe('fleet clean-up', () => {
  let tdb: TestDatabase;
  let db: Database;
  let sql: Client;
  let bus: InProcessBus;

  const names = async (table: 'bouncers' | 'machines') =>
    (await sql.query(`SELECT ${table === 'bouncers' ? 'name' : 'machine_id'} AS n FROM ${table} ORDER BY 1`)).rows.map((r) => r.n);
  const service = (autoDelete: AppConfig['autoDelete']) =>
    new FleetCleanupService(new FleetCleanupRepository(db.dataSource), Object.assign(loadConfig({}), { autoDelete }), bus);

  beforeEach(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url, dataDir: '' });
    sql = new Client({ connectionString: tdb.url });
    await sql.connect();
    bus = new InProcessBus();
    await sql.query(`INSERT INTO bouncers (name, api_key_hash, ip_address, auth_type, auto_created, last_pull) VALUES
      ('pod@10.0.0.5', 'cert:a', '10.0.0.5', 'tls', true, now() - interval '2 hours'),
      ('pod@10.0.0.6', 'cert:b', '10.0.0.6', 'tls', true, now()),
      ('fw', 'h-fw', '192.0.2.9', 'api-key', false, now() - interval '2 hours'),
      ('never', 'h-never', '', 'api-key', false, NULL)`);
    await sql.query(`INSERT INTO machines (machine_id, ip_address, auth_type, is_validated, last_heartbeat) VALUES
      ('agent@10.0.0.5', '10.0.0.5', 'tls', true, now() - interval '2 hours'),
      ('agent@10.0.0.6', '10.0.0.6', 'tls', true, now()),
      ('with-alerts', '192.0.2.1', 'password', true, now() - interval '2 hours'),
      ('on-loopback', '127.0.0.1', 'password', true, now() - interval '2 hours'),
      ('gone', '192.0.2.2', 'password', true, now() - interval '2 hours')`);
    await sql.query(`INSERT INTO alerts (uuid, machine_id, scenario) VALUES (gen_random_uuid(), 'with-alerts', 'ssh-bf')`);
    await sql.query(`INSERT INTO usage_metrics (generated_type, generated_by, received_at, payload) VALUES
      ('RC', 'fw', now() - interval '8 days', '{}'), ('LP', 'gone', now(), '{}')`);
  });
  afterEach(async () => {
    await sql.end();
    await db.close();
    await tdb.drop();
  });

  it('keeps every bouncer and agent when no autodelete is set, and drops usage metrics past their age', async () => {
    const done = await service({}).clean();
    expect(done).toMatchObject({ usageMetrics: 1, bouncers: [], machines: [] });
    expect(await names('bouncers')).toHaveLength(4);
    expect(await names('machines')).toHaveLength(5);
    expect((await sql.query('SELECT generated_by FROM usage_metrics')).rows).toEqual([{ generated_by: 'gone' }]);
  });

  it("deletes a moved pod's certificate rows and silent agents per auth type, never one with alerts, on loopback, or that never pulled", async () => {
    const revoked: string[] = [];
    bus.onRevocation((r) => revoked.push(`${r.kind}:${r.id}`));
    const done = await service({ bouncersCertMs: HOUR, bouncersApiKeyMs: HOUR, agentsCertMs: HOUR, agentsLoginPasswordMs: HOUR }).clean();
    expect(done).toMatchObject({ bouncers: ['pod@10.0.0.5', 'fw'], machines: ['agent@10.0.0.5', 'gone'] });
    expect(await names('bouncers')).toEqual(['never', 'pod@10.0.0.6']);
    expect(await names('machines')).toEqual(['agent@10.0.0.6', 'on-loopback', 'with-alerts']);
    expect(revoked.sort()).toEqual(['bouncer:cert:a', 'bouncer:h-fw', 'machine:agent@10.0.0.5', 'machine:gone']);
  });

  it('deletes only the auth types configured', async () => {
    await service({ bouncersCertMs: HOUR, agentsLoginPasswordMs: HOUR }).clean();
    expect(await names('bouncers')).toEqual(['fw', 'never', 'pod@10.0.0.6']);
    expect(await names('machines')).toEqual(['agent@10.0.0.5', 'agent@10.0.0.6', 'on-loopback', 'with-alerts']);
  });

  it('runs once per cluster: a node finding another one cleaning does nothing', async () => {
    const other = new Client({ connectionString: tdb.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [0x1a51c1ea]);
      expect(await service({ bouncersCertMs: HOUR }).clean()).toBeUndefined();
      expect(await names('bouncers')).toHaveLength(4);
      await other.query('COMMIT');
      expect(await service({ bouncersCertMs: HOUR }).clean()).toMatchObject({ bouncers: ['pod@10.0.0.5'] });
    } finally {
      await other.end();
    }
  });
});
