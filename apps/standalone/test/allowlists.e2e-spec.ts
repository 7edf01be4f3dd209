import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { BouncerEvent, buildServices, CustomBouncer, sshBruteForceLog, startAgentReplay, startCustomBouncer } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(180_000);
const execFileAsync = promisify(execFile);
const sawAdd = (value: string) => (events: BouncerEvent[]) => events.some((e) => e.action === 'add' && e.value === value);
const sawDel = (value: string) => (events: BouncerEvent[]) => events.some((e) => e.action === 'del' && e.value === value);

/** Allowlists as upstream 1.6.8: lapictl manages them, the agent's alerts and lapictl's decisions respect them. */
describe.each([
  ['Postgres', false],
  ['the embedded database', true],
])('allowlists with the real CrowdSec clients on %s', (_name, embedded) => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-allowlists-'));
  let lapi: TestLapi;
  let bouncer: CustomBouncer;
  let token: string;

  const lapictlRun = (...args: string[]) => {
    const env = embedded ? { LAPI_DATA_DIR: join(root, 'data'), DATABASE_URL: '' } : { DATABASE_URL: lapi.db!.url };
    return execFileAsync(process.execPath, [resolve(__dirname, '../../../scripts/lapictl.js'), ...args], { env: { ...process.env, NATS_URL: '', ...env } });
  };
  const lapictl = async (...args: string[]) => (await lapictlRun(...args)).stdout.trim();
  const lapictlFails = async (...args: string[]) => {
    const failed = await lapictlRun(...args).then(() => undefined, (e: { code: number; stderr: string }) => e);
    if (!failed) throw new Error(`lapictl ${args.join(' ')} succeeded`);
    return failed;
  };

  beforeAll(async () => {
    buildServices();
    lapi = await startTestLapi(embedded ? { embeddedDir: join(root, 'data') } : {});
    token = await lapi.machineToken('agent-allow');
    bouncer = await startCustomBouncer({ url: `${lapi.url}/`, apiKey: await lapi.bouncerKey(), dir: join(root, 'bouncer'), updateFrequency: '1s' });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await lapi?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lapictl allowlists create, add (v4, v6, ranges), list and inspect', async () => {
    expect(await lapictl('allowlists', 'create', 'offices', '-d', 'our offices')).toBe("allowlist 'offices' created successfully");
    expect((await lapictlFails('allowlists', 'create', 'offices', '-d', 'again')).stderr).toContain("allowlist 'offices' already exists");
    expect(await lapictl('allowlists', 'add', 'offices', '203.0.113.50', '2001:db8:50::/48', '198.51.100.0/24', '-d', 'HQ')).toBe('added 3 values to allowlist offices');
    expect(await lapictl('allowlists', 'add', 'offices', '203.0.113.50')).toBe('no new values for allowlist');
    expect((await lapictlFails('allowlists', 'add', 'offices', 'not-an-ip')).stderr).toContain("'not-an-ip' is not an IP address or a CIDR range");
    expect((await lapictlFails('allowlists', 'add', 'nope', '192.0.2.1')).stderr).toContain("allowlist 'nope' not found");
    const listed = JSON.parse(await lapictl('-o', 'json', 'allowlists', 'list')) as { name: string; description: string }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'offices', description: 'our offices' })]);
    const inspected = JSON.parse(await lapictl('-o', 'json', 'allowlists', 'inspect', 'offices')) as { items: { value: string; description: string; expiration: string }[] };
    expect(inspected.items.map((i) => i.value)).toEqual(['203.0.113.50', '2001:db8:50::/48', '198.51.100.0/24']);
    expect(inspected.items[0]).toMatchObject({ description: 'HQ', expiration: '0001-01-01T00:00:00.000Z' });
  });

  it("answers upstream's agent routes: GET /v1/allowlists[/{name}], GET and HEAD /v1/allowlists/check/{ip_or_range}", async () => {
    const lists = await call(lapi, 'GET', '/v1/allowlists', { token });
    expect(lists.status).toBe(200);
    expect(lists.body).toEqual([expect.objectContaining({ name: 'offices', description: 'our offices', items: [] })]);
    const full = await call(lapi, 'GET', '/v1/allowlists/offices?with_content=true', { token });
    expect(full.status).toBe(200);
    expect(full.body.items.map((i: { value: string }) => i.value)).toEqual(['203.0.113.50', '2001:db8:50::/48', '198.51.100.0/24']);
    expect(await call(lapi, 'GET', '/v1/allowlists/nope', { token })).toMatchObject({ status: 404, body: { message: "allowlist 'nope' not found" } });

    expect(await call(lapi, 'GET', '/v1/allowlists/check/198.51.100.7', { token })).toMatchObject({ status: 200, body: { allowlisted: true, reason: '198.51.100.0/24 from offices (HQ)' } });
    expect(await call(lapi, 'GET', `/v1/allowlists/check/${encodeURIComponent('2001:db8:50:1::/64')}`, { token })).toMatchObject({ status: 200, body: { allowlisted: true } });
    // A range that holds an allowlisted address is allowlisted too, as upstream.
    expect(await call(lapi, 'GET', `/v1/allowlists/check/${encodeURIComponent('203.0.113.0/24')}`, { token })).toMatchObject({ status: 200, body: { allowlisted: true } });
    expect(await call(lapi, 'GET', '/v1/allowlists/check/192.0.2.99', { token })).toMatchObject({ status: 200, body: {} });
    expect((await call(lapi, 'HEAD', '/v1/allowlists/check/203.0.113.50', { token })).status).toBe(200);
    expect((await call(lapi, 'HEAD', '/v1/allowlists/check/192.0.2.99', { token })).status).toBe(204);
    expect(await call(lapi, 'GET', '/v1/allowlists/check/not-an-ip', { token })).toMatchObject({ status: 400, body: { message: "'not-an-ip' is not an IP address or a CIDR range" } });
    expect((await call(lapi, 'GET', '/v1/allowlists')).status).toBe(401);
    expect((await call(lapi, 'GET', '/v1/allowlists', { apiKey: await lapi.bouncerKey() })).status).toBe(401);
  });

  it('the agent replaying attacks from an allowlisted and another address: only the other gets a decision', async () => {
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.50', 10) + sshBruteForceLog('203.0.113.51', 10));
    const run = await startAgentReplay({ url: `${lapi.url}/`, login: 'agent-allow', password: 'test-password', logFile, dir: join(root, 'agent') });
    expect(run.code).toBe(0);
    const events = await bouncer.waitFor(sawAdd('203.0.113.51'), 15_000, 'the ban on the address not allowlisted');
    expect(events.filter((e) => e.value === '203.0.113.50')).toEqual([]);
    // Upstream drops the alert itself: nothing is stored for the allowlisted source.
    expect((await call(lapi, 'GET', '/v1/alerts?ip=203.0.113.50', { token })).body ?? []).toEqual([]);
    expect((await call(lapi, 'GET', '/v1/alerts?ip=203.0.113.51', { token })).body).toHaveLength(1);
  });

  it('lapictl decisions add refuses an allowlisted value unless --bypass-allowlist', async () => {
    const refused = await lapictlFails('decisions', 'add', '-i', '198.51.100.9', '-d', '1h');
    expect(refused.stderr).toContain('198.51.100.9 is allowlisted by item 198.51.100.0/24 from offices (HQ), use --bypass-allowlist to add the decision anyway');
    await lapictl('decisions', 'add', '-i', '198.51.100.9', '-d', '1h', '--bypass-allowlist');
    await bouncer.waitFor(sawAdd('198.51.100.9'), 15_000, 'the forced decision');
  });

  it('an address allowlisted afterwards loses its ban, and the bouncer hears of it', async () => {
    expect(await lapictl('allowlists', 'add', 'offices', '203.0.113.51', '-e', '1h')).toBe('added 1 values to allowlist offices\n1 decisions deleted by allowlists');
    await bouncer.waitFor(sawDel('203.0.113.51'), 15_000, 'the end of the ban');
    expect((await call(lapi, 'GET', '/v1/allowlists/check/203.0.113.51', { token })).body).toMatchObject({ allowlisted: true });
  });

  it('lapictl allowlists remove and delete', async () => {
    expect(await lapictl('allowlists', 'remove', 'offices', '203.0.113.51', '192.0.2.200')).toBe('removed 1 values from allowlist offices');
    expect(await call(lapi, 'GET', '/v1/allowlists/check/203.0.113.51', { token })).toMatchObject({ status: 200, body: {} });
    expect(await lapictl('allowlists', 'delete', 'offices')).toBe("allowlist 'offices' deleted successfully");
    expect((await call(lapi, 'GET', '/v1/allowlists', { token })).body).toEqual([]);
    expect((await call(lapi, 'HEAD', '/v1/allowlists/check/203.0.113.50', { token })).status).toBe(204);
  });
});
