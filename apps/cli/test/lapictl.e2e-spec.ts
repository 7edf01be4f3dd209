import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildServices, createTestDatabase, pollUntil, TestDatabase } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(120_000);
const run = promisify(execFile);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');

async function lapictl(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [LAPICTL, ...args], { env: { ...process.env, NATS_URL: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('lapictl against Postgres', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const ok = async (...args: string[]) => {
    const res = await lapictl(env, ...args);
    if (res.code !== 0) throw new Error(`lapictl ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return res.stdout;
  };

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(() => db.drop());

  it('adds, lists, validates and deletes machines', async () => {
    await ok('machines', 'add', 'm1', '--password', 'pw', '--no-validate');
    expect(JSON.parse(await ok('-o', 'json', 'machines', 'list'))).toEqual([expect.objectContaining({ machineId: 'm1', isValidated: false })]);
    await ok('machines', 'validate', 'm1');
    expect(JSON.parse(await ok('-o', 'json', 'machines', 'list'))[0].isValidated).toBe(true);
    await ok('machines', 'delete', 'm1');
    expect(JSON.parse(await ok('-o', 'json', 'machines', 'list'))).toEqual([]);
  });

  it('prints a new bouncer key once in raw output, and lists the bouncer', async () => {
    const key = (await ok('-o', 'raw', 'bouncers', 'add', 'fw1')).trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(JSON.parse(await ok('-o', 'json', 'bouncers', 'list'))).toEqual([expect.objectContaining({ name: 'fw1' })]);
    expect((await lapictl(env, 'bouncers', 'add', 'fw1')).code).toBe(1);
  });

  it('adds Ip and Range decisions (v4, v6), lists them with time left, deletes by ip', async () => {
    await ok('decisions', 'add', '--ip', '192.0.2.5', '-d', '2h');
    await ok('decisions', 'add', '--range', '2001:db8::/48', '-t', 'captcha');
    const list = JSON.parse(await ok('-o', 'json', 'decisions', 'list'));
    expect(list.map((d: { value: string }) => d.value).sort()).toEqual(['192.0.2.5', '2001:db8::/48']);
    expect(list.find((d: { value: string }) => d.value === '192.0.2.5').duration).toMatch(/^1h59m/);
    expect(await ok('decisions', 'delete', '--ip', '192.0.2.5')).toMatch(/1 decision/);
    expect(JSON.parse(await ok('-o', 'json', 'decisions', 'list', '--ip', '192.0.2.5'))).toEqual([]);
  });

  it('imports a CSV, skipping bad lines with their numbers and exiting non-zero', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-'));
    const file = join(dir, 'import.csv');
    const lines = Array.from({ length: 2500 }, (_, i) => `4h,ip,100.70.${i >> 8}.${i & 255}`);
    lines[10] = '4h,ip,not-an-ip';
    lines[2000] = '4h,range,10.0.0.0/33';
    writeFileSync(file, ['duration,scope,value', ...lines].join('\n'));
    const res = await lapictl(env, 'decisions', 'import', '-i', file);
    rmSync(dir, { recursive: true, force: true });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/2498 decision\(s\) imported, 2 line\(s\) skipped/);
    expect(res.stderr).toMatch(/line 12: skipped: 'not-an-ip'/);
    expect(res.stderr).toMatch(/line 2002: skipped/);
    const inRange = JSON.parse(await ok('-o', 'json', 'decisions', 'list', '-l', '5000'));
    expect(inRange.filter((d: { value: string }) => d.value.startsWith('100.70.')).length).toBe(2498);
  });

  it('lists, inspects and deletes alerts', async () => {
    const alerts = JSON.parse(await ok('-o', 'json', 'alerts', 'list'));
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    const first = alerts[0];
    expect(JSON.parse(await ok('-o', 'json', 'alerts', 'inspect', String(first.id)))).toMatchObject({ id: first.id, machine_id: 'lapictl' });
    expect(await ok('alerts', 'delete', '--id', String(first.id))).toMatch(/1 alert/);
    expect((await lapictl(env, 'alerts', 'inspect', String(first.id))).code).toBe(1);
  });

  it('answers bad input with a one-line message and a non-zero exit, never a stack', async () => {
    for (const args of [['nosuch'], ['decisions', 'add', '--ip', '300.1.2.3'], ['decisions', 'add'], ['machines', 'validate', 'ghost'], ['decisions', 'delete'], ['alerts', 'inspect', 'x']]) {
      const res = await lapictl(env, ...args);
      expect(res.code).not.toBe(0);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('lapictl while the standalone LAPI runs on the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapictl-embedded-'));
  let lapi: TestLapi;

  beforeAll(async () => {
    buildServices();
    lapi = await startTestLapi({ embeddedDir: dir });
  });
  afterAll(async () => {
    await lapi.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the running LAPI\'s database, and the LAPI serves what lapictl adds within seconds', async () => {
    const env = { LAPI_DATA_DIR: dir, DATABASE_URL: '' };
    const key = (await lapictl(env, '-o', 'raw', 'bouncers', 'add', 'emb-fw')).stdout.trim();
    expect((await call(lapi, 'GET', '/v1/decisions', { apiKey: key })).status).toBe(200);
    expect((await lapictl(env, 'decisions', 'add', '--ip', '192.0.2.200')).code).toBe(0);
    await pollUntil(async () => (await call(lapi, 'GET', '/v1/decisions?ip=192.0.2.200', { apiKey: key })).body?.length === 1, 'the LAPI to serve it', { timeoutMs: 5000 });
  });
});
