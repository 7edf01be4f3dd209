import { createServer, Server } from 'node:net';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { buildServices, createTestDatabase, freePort, pollUntil, startService, TestDatabase } from '@lapi/testing';

jest.setTimeout(120_000);
const ROOT = resolve(__dirname, '../../..');

describe('what the standalone LAPI tells an operator', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('logs failed logins, refused bouncer keys and SIGTERM at warn, with level names and addresses', async () => {
    const lapi = await startService('standalone', { DATABASE_URL: db.url, NATS_URL: '' });
    const login = await fetch(`${lapi.url}/v1/watchers/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"machine_id":"nobody","password":"wrong"}' });
    expect(login.status).toBe(401);
    expect((await fetch(`${lapi.url}/v1/decisions`, { headers: { 'x-api-key': 'not-a-key' } })).status).toBe(403);
    await pollUntil(() => lapi.output().includes('refused a bouncer'), 'the refused key to be logged');
    await lapi.stop('SIGTERM');
    const lines = lapi.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: unknown; msg: string });
    const warned = lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warned).toEqual(expect.arrayContaining([
      "failed login for machine 'nobody' from 127.0.0.1: unknown machine",
      'refused a bouncer from 127.0.0.1: unknown API key',
      expect.stringMatching(new RegExp(`^SIGTERM: stopping http://127\\.0\\.0\\.1:${lapi.port}, finishing the requests in flight$`)),
    ]));
  });

  it('says which port is in use when it cannot listen, in one line, before starting anything', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((done) => taken.listen(port, '127.0.0.1', done));
    try {
      const proc = spawn(process.execPath, [join(ROOT, 'scripts/service.js'), 'standalone'], {
        env: { ...process.env, DATABASE_URL: db.url, NATS_URL: '', LAPI_LISTEN_ADDR: '127.0.0.1', LAPI_PORT: String(port), LAPI_METRICS_PORT: '0', LAPI_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      proc.stderr!.on('data', (c) => (stderr += String(c)));
      proc.stdout!.on('data', (c) => (stdout += String(c)));
      const code = await new Promise<number | null>((done) => proc.once('exit', done));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(`cannot listen on 127.0.0.1:${port}: port ${port} is in use (another LAPI, or CrowdSec's?); stop it, or set LAPI_PORT (LAPI_METRICS_PORT for the metrics listener)`);
      expect(stdout).not.toMatch(/successfully started|EADDRINUSE|Mapped \{/);
    } finally {
      taken.close();
    }
  });
});
