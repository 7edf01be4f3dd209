import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildServices } from '@lapi/testing';
import { Cscli, CustomBouncer, createCscli, sshBruteForceLog, startAgentReplay, startCustomBouncer } from '@lapi/testing';
import { startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(120_000);
const execFileAsync = promisify(execFile);

interface AlertJson {
  id: number;
  scenario: string;
  source: { value: string };
  decisions: { value: string; type: string; scope: string; duration: string; origin: string }[] | null;
}

/** The real CrowdSec 1.4.6 clients from Debian, unchanged, against the standalone LAPI. */
describe.each([
  ['Postgres', false],
  ['the embedded database', true],
])('real CrowdSec clients against the standalone LAPI on %s', (_name, embedded) => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-clients-'));
  let lapi: TestLapi;
  let cscli: Cscli;
  let bouncer: CustomBouncer;

  /** Our admin CLI, pointed at the same database as the LAPI under test. */
  const lapictl = async (...args: string[]) => {
    const env = embedded ? { LAPI_DATA_DIR: join(root, 'data'), DATABASE_URL: '' } : { DATABASE_URL: lapi.db!.url };
    const { stdout } = await execFileAsync(process.execPath, [resolve(__dirname, '../../../scripts/lapictl.js'), ...args], { env: { ...process.env, NATS_URL: '', ...env } });
    return stdout.trim();
  };
  const cs = async (...args: string[]) => {
    const res = await cscli.run(args);
    if (res.code !== 0) throw new Error(`cscli ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
    return res;
  };
  const sawAdd = (value: string) => (events: { action: string; value: string }[]) => events.some((e) => e.action === 'add' && e.value === value);
  const sawDel = (value: string) => (events: { action: string; value: string }[]) => events.some((e) => e.action === 'del' && e.value === value);

  beforeAll(async () => {
    buildServices();
    lapi = await startTestLapi(embedded ? { embeddedDir: join(root, 'data') } : {});
    cscli = createCscli({ url: `${lapi.url}/`, dir: join(root, 'cscli') });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await lapi?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('cscli lapi register creates a machine pending validation; once lapictl validates it, lapi status logs in', async () => {
    const creds = await cscli.register('cscli-e2e');
    expect(creds.login).toBe('cscli-e2e');
    expect((await cscli.run(['lapi', 'status'])).code).not.toBe(0);
    await lapictl('machines', 'validate', 'cscli-e2e');
    const status = await cs('lapi', 'status');
    expect(status.stdout + status.stderr).toMatch(/successfully interact with Local API/);
  });

  it('cscli decisions add (Ip and Range, v4 and v6) then list shows them', async () => {
    await cs('decisions', 'add', '-i', '192.0.2.10', '-d', '1h');
    await cs('decisions', 'add', '-r', '198.51.100.0/24', '-d', '2h', '-t', 'captcha');
    await cs('decisions', 'add', '-i', '2001:db8::10', '-d', '1h');
    await cs('decisions', 'add', '-r', '2001:db8:1::/48', '-d', '1h');
    const alerts = await cscli.json<AlertJson[]>(['decisions', 'list']);
    const decisions = alerts.flatMap((a) => a.decisions ?? []);
    expect(decisions.map((d) => d.value).sort()).toEqual(['192.0.2.10', '198.51.100.0/24', '2001:db8:1::/48', '2001:db8::10']);
    expect(decisions.find((d) => d.value === '198.51.100.0/24')).toMatchObject({ type: 'captcha', scope: 'Range', origin: 'cscli' });
    expect(decisions.find((d) => d.value === '192.0.2.10')!.duration).toMatch(/^59m5\d/);
  });

  it('crowdsec-custom-bouncer with a key from lapictl bouncers add receives every decision at startup', async () => {
    const key = await lapictl('-o', 'raw', 'bouncers', 'add', 'custom-e2e');
    bouncer = await startCustomBouncer({ url: `${lapi.url}/`, apiKey: key, dir: join(root, 'bouncer'), updateFrequency: '1s' });
    await bouncer.waitFor((ev) => ['192.0.2.10', '198.51.100.0/24', '2001:db8::10', '2001:db8:1::/48'].every((v) => sawAdd(v)(ev)), 10_000, 'the four adds');
  });

  it('the bouncer hears of a cscli decisions delete, and of a decision that expires', async () => {
    await cs('decisions', 'delete', '-i', '192.0.2.10');
    await bouncer.waitFor(sawDel('192.0.2.10'), 10_000, 'the delete');
    await cs('decisions', 'add', '-i', '192.0.2.11', '-d', '2s');
    await bouncer.waitFor(sawAdd('192.0.2.11'), 10_000, 'the short add');
    await bouncer.waitFor(sawDel('192.0.2.11'), 15_000, 'the expiry');
    const events = await bouncer.events();
    expect(events.filter((e) => e.value === '192.0.2.11').map((e) => e.action)).toEqual(['add', 'del']);
  });

  it('cscli decisions import of 2,000 lines reaches the bouncer, and delete --all takes them back', async () => {
    const csv = join(root, 'import.csv');
    const values = Array.from({ length: 2000 }, (_, i) => `100.64.${i >> 8}.${i & 255}`);
    writeFileSync(csv, ['duration,scope,value', ...values.map((v) => `6h,ip,${v}`)].join('\n') + '\n');
    await cs('decisions', 'import', '-i', csv);
    await bouncer.waitFor((ev) => values.every((v) => sawAdd(v)(ev)), 20_000, 'the 2,000 imported adds');
    await cs('decisions', 'delete', '--all');
    await bouncer.waitFor((ev) => values.every((v) => sawDel(v)(ev)), 20_000, 'the 2,000 deletes');
    expect(await cscli.json<AlertJson[] | null>(['decisions', 'list'])).toBeNull();
  });

  it('cscli alerts list and inspect show what was pushed', async () => {
    const alerts = await cscli.json<AlertJson[]>(['alerts', 'list']);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    const one = alerts.find((a) => a.source.value === '198.51.100.0/24')!;
    const inspected = await cscli.json<AlertJson>(['alerts', 'inspect', String(one.id)]);
    expect(inspected).toMatchObject({ id: one.id, scenario: one.scenario, source: { value: '198.51.100.0/24' } });
  });

  it('the crowdsec agent replaying an sshd brute force raises an alert, gets a ban, and the bouncer applies it', async () => {
    await lapictl('machines', 'add', 'agent-e2e', '--password', 'agent-password');
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.66', 12));
    const run = await startAgentReplay({ url: `${lapi.url}/`, login: 'agent-e2e', password: 'agent-password', logFile, dir: join(root, 'agent') });
    expect(run.code).toBe(0);
    const alerts = await cscli.json<AlertJson[]>(['alerts', 'list', '--ip', '203.0.113.66']);
    expect(alerts.map((a) => a.scenario)).toContain('crowdsecurity/ssh-bf');
    expect(alerts.flatMap((a) => a.decisions ?? [])).toContainEqual(expect.objectContaining({ value: '203.0.113.66', type: 'ban', origin: 'crowdsec' }));
    await bouncer.waitFor(sawAdd('203.0.113.66'), 10_000, 'the ban from the agent');
  });

  it('lapictl bouncers list shows the real bouncer\'s type and version from its User-Agent, and machines list the agent\'s version', async () => {
    const [listed] = JSON.parse(await lapictl('-o', 'json', 'bouncers', 'list')).filter((b: { name: string }) => b.name === 'custom-e2e');
    // Debian's 0.0.15 build sends `crowdsec-custom-bouncer/-`: its version is the `-` its User-Agent carries.
    expect(listed).toMatchObject({ type: 'crowdsec-custom-bouncer', version: '-', last_pull: expect.any(String) });
    const agent = JSON.parse(await lapictl('-o', 'json', 'machines', 'list')).find((m: { machineId: string }) => m.machineId === 'agent-e2e');
    expect(agent.version).toMatch(/^v1\.4\.6/);
  });

  it('lapictl bouncers prune --duration 1s removes the bouncer once it stopped polling', async () => {
    await bouncer.stop();
    await new Promise((r) => setTimeout(r, 1500)); // silence longer than the duration
    await lapictl('bouncers', 'prune', '--duration', '1s', '--force');
    expect(JSON.parse(await lapictl('-o', 'json', 'bouncers', 'list')).map((b: { name: string }) => b.name)).not.toContain('custom-e2e');
  });
});
