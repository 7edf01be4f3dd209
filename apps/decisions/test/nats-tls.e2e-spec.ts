import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { connectNats, NatsBus } from '@lapi/bus';
import {
  buildServices, createClusterCaFiles, createTestDatabase, insertBouncer, newAlert, newDecision, pollUntil, RunningProcess, startNats, startService, TestDatabase,
} from '@lapi/testing';
import { DecisionChanges } from '@lapi/decision-model';

jest.setTimeout(180_000);
const execFileAsync = promisify(execFile);

/**
 * The shipped deployments' bus: NATS with TLS and a password, its server certificate issued by
 * the cluster CA, every service given that CA in NATS_TLS_CA_FILE. Decisions pushed to ingest
 * cross the bus encrypted to the decisions replica; a service given another CA does not start.
 */
describe('the cluster on a NATS server that requires TLS', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-nats-tls-'));
  const ca = createClusterCaFiles(join(root, 'ca'), 'lapi-cluster CA');
  const otherCa = createClusterCaFiles(join(root, 'other-ca'), 'lapi-cluster CA');
  const busSubjectPrefix = `lapi-tls-${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let env: Record<string, string>;
  let ingest: RunningProcess;
  let decisions: RunningProcess;
  let listener: NatsBus;

  beforeAll(async () => {
    buildServices();
    const server = ca.issueServer('nats', ['localhost'], ['127.0.0.1']);
    [db, nats] = await Promise.all([
      createTestDatabase(),
      startNats(undefined, ['--tls', '--tlscert', server.certPath, '--tlskey', server.keyPath, '--user', 'lapi', '--pass', 'bus-secret']),
    ]);
    env = {
      DATABASE_URL: db.url,
      NATS_URL: `tls://lapi:bus-secret@127.0.0.1:${nats.port}`,
      NATS_TLS_CA_FILE: ca.caPath,
      LAPI_BUS_SUBJECT_PREFIX: busSubjectPrefix,
      LAPI_JWT_SECRET: 'j'.repeat(40),
    };
    [ingest, decisions] = await Promise.all([startService('ingest', env), startService('decisions', env)]);
    listener = new NatsBus(await connectNats(env.NATS_URL, 'nats-tls-listener', { caFile: ca.caPath }), busSubjectPrefix);
  });

  afterAll(async () => {
    await listener?.close();
    await Promise.all([ingest, decisions].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await nats?.stop('SIGKILL');
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  const lapictl = async (...args: string[]) =>
    (await execFileAsync(process.execPath, [resolve(__dirname, '../../../scripts/lapictl.js'), ...args], { env: { ...process.env, ...env } })).stdout.trim();

  /** What stopped a decisions service from starting, or 'ready' (and it is stopped again). */
  const startOrFail = (overrides: Record<string, string>) =>
    startService('decisions', { ...env, ...overrides }, undefined, [], 30_000).then(
      async (p) => {
        await p.stop('SIGKILL');
        return 'ready';
      },
      (e: Error) => e.message,
    );

  it('carries a decision pushed to ingest over TLS to the bus and the decisions replica', async () => {
    const heard: DecisionChanges[] = [];
    const stop = listener.onDecisionChanges((c) => heard.push(c));
    // lapictl connects to the same bus with the same settings.
    await lapictl('machines', 'add', 'tls-agent', '--password', 'tls-agent-password');
    const login = await fetch(`${ingest.url}/v1/watchers/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ machine_id: 'tls-agent', password: 'tls-agent-password' }) });
    const { token } = (await login.json()) as { token: string };
    const push = await fetch(`${ingest.url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([newAlert({ sourceValue: '198.51.100.7', decisions: [newDecision({ value: '198.51.100.7' })] })]),
    });
    expect(push.status).toBe(201);
    await pollUntil(() => heard.some((c) => c.decisions.some((d) => d.value === '198.51.100.7')), 'the decision on the TLS bus');
    stop();
    const key = await insertBouncer(db.url, 'tls-bouncer');
    await pollUntil(async () => {
      const res = await fetch(`${decisions.url}/v1/decisions?ip=198.51.100.7`, { headers: { 'x-api-key': key } });
      return res.status === 200 && ((await res.json()) as unknown[] | null)?.length === 1;
    }, 'the replica to serve it');
  });

  it('stops a service whose NATS_TLS_CA_FILE did not sign the server certificate, naming the setting', async () => {
    const outcome = await startOrFail({ ...env, NATS_TLS_CA_FILE: otherCa.caPath });
    expect(outcome).toMatch(/configuration error: NATS at 127\.0\.0\.1:\d+ refused: unable to verify the first certificate \(check NATS_URL and NATS_TLS_CA_FILE/);
  });

  it('stops a service whose NATS_TLS_CA_FILE does not exist, naming the variable', async () => {
    const outcome = await startOrFail({ ...env, NATS_TLS_CA_FILE: join(root, 'missing-ca.pem') });
    expect(outcome).toMatch(/invalid NATS_TLS_CA_FILE=".*missing-ca.pem": file does not exist/);
  });
});
