import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { CapiSim } from '@lapi/capi-sim';
import { buildServices, createTestDatabase, TestDatabase } from '@lapi/testing';

jest.setTimeout(120_000);
const run = promisify(execFile);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');

/** The real lapictl against the simulator: status never logs in; --check and enroll log in within the budget. */
describe('lapictl capi and console', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let env: Record<string, string>;
  const logins = () => sim.requests.filter((r) => r.path === '/v3/watchers/login').length;
  const lapictl = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [LAPICTL, ...args], { env: { ...process.env, NATS_URL: '', ...env } });
    return stdout;
  };

  beforeAll(async () => {
    buildServices();
    sim = new CapiSim({ blocklistSize: 10 });
    await sim.start();
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url, LAPI_CAPI_URL: sim.url, LAPI_CAPI_SHARING: 'false' };
  });
  afterAll(async () => {
    await sim.close();
    await db.drop();
  });

  it('registers, then answers status without logging in, however often', async () => {
    expect(await lapictl('capi', 'status')).toMatch(/not registered: run `lapictl capi register`/);
    expect(await lapictl('capi', 'register')).toMatch(/registered with the Central API as [0-9a-f]{48}/);
    expect(sim.machines.size).toBe(1);
    for (let i = 0; i < 3; i++) expect(await lapictl('capi', 'status')).toMatch(/token: none valid/);
    const json = JSON.parse(await lapictl('-o', 'json', 'capi', 'status'));
    expect(json).toEqual(expect.objectContaining({ registered: true, tokenValidUntil: null, loginsInWindow: 0, loginBudget: 3 }));
    expect(await lapictl('console', 'status')).toMatch(/enrolled: no/);
    expect(logins()).toBe(0);
    expect(sim.requests.map((r) => r.path)).toEqual(['/v3/watchers']);
  });

  it('logs in on --check only when no valid token is stored, and enrolls with the stored token', async () => {
    expect(await lapictl('capi', 'status', '--check')).toMatch(/token: valid until/);
    expect(await lapictl('capi', 'status', '--check')).toMatch(/logins in the last 50 minutes: 1 of a budget of 3/);
    expect(logins()).toBe(1);
    expect(await lapictl('console', 'enroll', 'attach-key-1', '--name', 'edge-1', '--tags', 'prod', 'eu')).toMatch(/enrolled/);
    expect(sim.enrollments).toEqual([{ attachment_key: 'attach-key-1', name: 'edge-1', tags: ['prod', 'eu'], overwrite: false }]);
    expect(logins()).toBe(1);
    expect(await lapictl('console', 'status')).toMatch(/enrolled: yes/);
    // Enrolled, not sharing: CAPI allows 10 a window; we keep 2 in reserve.
    expect(JSON.parse(await lapictl('-o', 'json', 'capi', 'status')).loginBudget).toBe(8);
  });
});
