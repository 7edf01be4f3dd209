import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { agent17Trace, bouncer17Trace, pollUntil, replayTrace } from '@lapi/testing';
import { DataSource } from 'typeorm';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(120_000);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');
const NODE_MODULES = realpathSync(resolve(__dirname, '../../../node_modules'));
const loaded = (trace: string, pkg: string) => trace.includes(`load "${join(NODE_MODULES, pkg)}/`);

/** lapictl with `stdin` typed in (the answers to its questions). */
function lapictlRun(env: Record<string, string>, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [LAPICTL, ...args], { env: { ...process.env, NATS_URL: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** lapictl's fleet commands (cscli 1.6's bouncers/machines list|inspect|prune) after 1.6/1.7 clients called the LAPI. */
describe('lapictl bouncers and machines, as cscli 1.6', () => {
  let lapi: TestLapi;
  let env: Record<string, string>;
  let fwKey: string;
  const ok = async (...args: string[]) => {
    const res = await lapictlRun(env, args);
    if (res.code !== 0) throw new Error(`lapictl ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return res.stdout;
  };

  beforeAll(async () => {
    lapi = await startTestLapi();
    env = { DATABASE_URL: lapi.db!.url };
    await lapi.machineToken('agent-17');
    expect((await replayTrace(lapi.url, agent17Trace('agent-17', 'test-password'))).every((a) => a.asUpstream)).toBe(true);
    fwKey = await lapi.bouncerKey('fw-17');
    expect((await replayTrace(lapi.url, bouncer17Trace(), { apiKey: fwKey })).every((a) => a.asUpstream)).toBe(true);
    await pollUntil(async () => JSON.parse(await ok('-o', 'json', 'bouncers', 'list')).some((b: { type: string }) => b.type === 'crowdsec-firewall-bouncer'), 'the bouncer\'s type');
  });
  afterAll(() => lapi?.close());

  it('bouncers list shows each bouncer\'s type, version and last pull, in cscli 1.6\'s columns and JSON', async () => {
    const [fw] = JSON.parse(await ok('-o', 'json', 'bouncers', 'list'));
    expect(fw).toEqual({
      created_at: expect.any(String), updated_at: expect.any(String), name: 'fw-17', revoked: false, ip_address: '127.0.0.1',
      type: 'crowdsec-firewall-bouncer', version: expect.stringMatching(/^v0\.0\.31-/), last_pull: expect.any(String), auth_type: 'api-key', os: 'debian/12', auto_created: false,
    });
    const [header, row] = (await ok('-o', 'raw', 'bouncers', 'list')).trim().split('\n');
    expect(header).toBe('name,ip,revoked,last_pull,type,version,auth_type');
    expect(row).toMatch(/^fw-17,127\.0\.0\.1,validated,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,crowdsec-firewall-bouncer,v0\.0\.31-[^,]+,api-key$/);
    expect(await ok('bouncers', 'list')).toMatch(/Name\s+IP Address\s+Valid\s+Last API pull\s+Type\s+Version\s+Auth Type/);
  });

  it('bouncers inspect shows one bouncer\'s client and OS, and its JSON is the list\'s', async () => {
    const human = await ok('bouncers', 'inspect', 'fw-17');
    expect(human).toMatch(/Bouncer: fw-17/);
    expect(human).toMatch(/ Type\s+crowdsec-firewall-bouncer /);
    expect(human).toMatch(/ OS\s+debian\/12 /);
    expect(human).toMatch(/ Auto Created\s+false /);
    expect(JSON.parse(await ok('-o', 'json', 'bouncers', 'inspect', 'fw-17'))).toEqual(JSON.parse(await ok('-o', 'json', 'bouncers', 'list'))[0]);
    expect(await lapictlRun(env, ['-o', 'raw', 'bouncers', 'inspect', 'fw-17'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/output format 'raw' not supported/) });
    expect(await lapictlRun(env, ['bouncers', 'inspect', 'nobody'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/unable to read bouncer data 'nobody'/) });
  });

  it('machines list and inspect show the agent\'s version, OS, data sources, feature flags and hub items', async () => {
    const agent = JSON.parse(await ok('-o', 'json', 'machines', 'list')).find((m: { machineId: string }) => m.machineId === 'agent-17');
    expect(agent).toMatchObject({ version: 'v1.7.8-debian-pragmatic-amd64-a88b497b', isValidated: true, os: 'debian/12', featureflags: ['re2_grok_support'], datasources: { file: 2, journalctl: 1 }, last_heartbeat: expect.any(String) });
    expect((await ok('-o', 'raw', 'machines', 'list')).split('\n').find((l) => l.startsWith('agent-17,'))).toMatch(/,password,\d{4}-[^,]+,debian\/12$/);
    const human = await ok('machines', 'inspect', 'agent-17');
    expect(human).toMatch(/Machine: agent-17/);
    expect(human).toMatch(/ Datasources\s+file: 2 /);
    expect(human).toMatch(/ Feature Flags\s+re2_grok_support /);
    expect(human).toMatch(/ Collections\s+crowdsecurity\/sshd /);
    expect((await ok('-o', 'raw', 'machines', 'inspect', 'agent-17', '--hub')).trim().split('\n')).toContain('scenarios,crowdsecurity/ssh-bf,tainted,0.3');
    expect(JSON.parse(await ok('-o', 'json', 'machines', 'inspect', '-H', 'agent-17')).parsers).toEqual([{ name: 'crowdsecurity/sshd-logs', status: 'official', version: '2.9' }]);
  });

  it('metrics show bouncers shows what each bouncer reported, per origin, as cscli 1.6', async () => {
    const human = await ok('metrics', 'show', 'bouncers');
    expect(human).toMatch(/Bouncer Metrics \(fw-17\) since /);
    expect(human).toMatch(/Origin\s+active_decisions \(IPs\)\s+dropped \(bytes\)\s+dropped \(packets\)\s+processed \(bytes\)\s+processed \(packets\)/);
    expect(human).toMatch(/CAPI \(community blocklist\)\s+12\s+-\s+-/);
    expect(human).toMatch(/ Total\s+15\s+4\.10k\s+64\s+1\.05M\s+2\.05k/);
    expect(JSON.parse(await ok('-o', 'json', 'metrics', 'show', 'bouncers')).bouncers['fw-17'].crowdsec.dropped).toEqual({ byte: 4096, packet: 64 });
    expect(await ok('metrics', 'show', 'bouncers', '--no-unit')).toMatch(/ Total\s+15\s+4096\s+64\s+1048576\s+2048/);
  });

  it('inspects on a plain connection, loading no framework', async () => {
    for (const args of [['bouncers', 'inspect', 'fw-17'], ['machines', 'inspect', 'agent-17']]) {
      const res = await lapictlRun({ ...env, NODE_DEBUG: 'module' }, args);
      expect(res.code).toBe(0);
      expect(['typeorm', '@nestjs/core', 'fastify', 'nats'].filter((p) => loaded(res.stderr, p))).toEqual([]);
    }
  });

  it('bouncers prune --duration 1s removes a bouncer that stopped polling once confirmed, and its key stops working; one still polling stays', async () => {
    const goneKey = await lapi.bouncerKey('fw-gone');
    const liveKey = await lapi.bouncerKey('fw-live');
    expect((await call(lapi, 'GET', '/v1/decisions/stream?startup=true', { apiKey: goneKey })).status).toBe(200);
    // fw-gone stops polling; fw-live keeps polling its stream while lapictl runs (lookups record a pull once a minute, as upstream's).
    const livePolls: Promise<unknown>[] = [];
    const polling = setInterval(() => livePolls.push(call(lapi, 'GET', '/v1/decisions/stream', { apiKey: liveKey })), 100);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await pruneWhileLivePolls();
    } finally {
      clearInterval(polling);
      await Promise.allSettled(livePolls);
    }
    await pollUntil(async () => (await call(lapi, 'GET', '/v1/decisions/stream', { apiKey: goneKey })).status === 403, 'the pruned key refused');
    expect((await call(lapi, 'GET', '/v1/decisions/stream', { apiKey: liveKey })).status).toBe(200);
    expect(await ok('bouncers', 'prune', '--duration', '1h', '--force')).toMatch(/No bouncers to prune\./);
  });

  async function pruneWhileLivePolls() {
    const refused = await lapictlRun(env, ['bouncers', 'prune', '--duration', '1s'], 'y\nn\n');
    expect(refused).toMatchObject({ code: 0, stdout: expect.stringMatching(/fw-gone[\s\S]*User aborted prune\. No changes were made\./) });
    expect(refused.stdout).not.toMatch(/fw-live/);
    expect(JSON.parse(await ok('-o', 'json', 'bouncers', 'list')).map((b: { name: string }) => b.name)).toContain('fw-gone');
    const pruned = await lapictlRun(env, ['bouncers', 'prune', '-d', '1s'], 'y\ny\n');
    expect(pruned).toMatchObject({ code: 0, stderr: expect.stringMatching(/Successfully deleted \d+ bouncers/) });
    const names = JSON.parse(await ok('-o', 'json', 'bouncers', 'list')).map((b: { name: string }) => b.name);
    expect(names).not.toContain('fw-gone');
    expect(names).toContain('fw-live');
  }

  it('machines prune removes pending machines and, past the duration, silent ones; --force skips the questions', async () => {
    await ok('machines', 'add', 'pending-1', '-p', 'pw', '--no-validate');
    await ok('machines', 'add', 'silent-1', '-p', 'pw');
    await lapi.app.get(DataSource).query(`UPDATE machines SET last_heartbeat = now() - interval '2 hours' WHERE machine_id = 'silent-1'`);
    await ok('machines', 'prune', '--not-validated-only', '--force');
    let ids = JSON.parse(await ok('-o', 'json', 'machines', 'list')).map((m: { machineId: string }) => m.machineId);
    expect(ids).not.toContain('pending-1');
    expect(ids).toContain('silent-1');
    const pruned = await lapictlRun(env, ['machines', 'prune', '-d', '1h', '--force']);
    expect(pruned).toMatchObject({ code: 0, stderr: expect.stringMatching(/successfully deleted 1 machines/) });
    ids = JSON.parse(await ok('-o', 'json', 'machines', 'list')).map((m: { machineId: string }) => m.machineId);
    expect(ids).not.toContain('silent-1');
    expect(ids).toContain('agent-17');
    expect(await lapictlRun(env, ['machines', 'prune', '-d', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/positive duration/) });
  });
});
