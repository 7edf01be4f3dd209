import { TlsConfig } from '@lapi/config';
import { createOpensslCa, createTestDatabase, httpsCall, IssuedFiles, OpensslCa, sql, TestDatabase } from '@lapi/testing';
import { rmSync } from 'node:fs';
import { startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(120_000);

const CONCURRENT = 20;

/**
 * A certificate's first requests make its `name@ip` row. When a client's first requests arrive
 * together, on one node or on two sharing the database, they must make one row between them,
 * and every one of them must be answered.
 */
describe('concurrent first requests with one client certificate', () => {
  let ca: OpensslCa;
  let db: TestDatabase;
  let nodes: TestLapi[];

  beforeAll(async () => {
    ca = createOpensslCa('First-use CA');
    const server = ca.issue({ cn: 'lapi', serverNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    const tls = Object.assign(new TlsConfig(), { certFile: server.certPath, keyFile: server.keyPath, clientCaFile: ca.certPath });
    db = await createTestDatabase();
    nodes = [await startTestLapi({ tls, sharedDatabaseUrl: db.url }), await startTestLapi({ tls, sharedDatabaseUrl: db.url })];
  });
  afterAll(async () => {
    for (const n of nodes ?? []) await n.close();
    await db?.drop();
    rmSync(ca.dir, { recursive: true, force: true });
  });

  /** `CONCURRENT` requests at once, spread over both nodes. */
  const all = (path: string, cert: IssuedFiles, method = 'GET', body?: unknown) =>
    Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        httpsCall(`${nodes[i % nodes.length].url}${path}`, { method, body, certPath: cert.certPath, keyPath: cert.keyPath, caPath: ca.certPath }),
      ),
    );

  it('makes one bouncer row for a bouncer certificate and answers every first poll', async () => {
    const answers = await all('/v1/decisions/stream?startup=true', ca.issue({ cn: 'fw-race', ou: 'bouncer-ou' }));
    expect(answers.map((a) => a.status)).toEqual(Array(CONCURRENT).fill(200));
    expect(await sql(db.url, "SELECT name, auth_type FROM bouncers WHERE name LIKE 'fw-race%'")).toEqual([{ name: 'fw-race@127.0.0.1', auth_type: 'tls' }]);
  });

  it('makes one machine row for an agent certificate and answers every first login', async () => {
    const answers = await all('/v1/watchers/login', ca.issue({ cn: 'agent-race', ou: 'agent-ou' }), 'POST', { scenarios: ['crowdsecurity/ssh-bf'] });
    expect(answers.map((a) => a.status)).toEqual(Array(CONCURRENT).fill(200));
    expect(await sql(db.url, "SELECT machine_id, auth_type FROM machines WHERE machine_id LIKE 'agent-race%'")).toEqual([{ machine_id: 'agent-race@127.0.0.1', auth_type: 'tls' }]);
  });
});
