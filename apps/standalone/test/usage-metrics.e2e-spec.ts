import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registry } from '@lapi/common';
import { BouncersRepository, MachinesRepository } from '@lapi/db';
import { agent17Trace, agentUsageMetrics, bouncer17Trace, bouncerUsageMetrics, FIREWALL_BOUNCER_USER_AGENT, lapictlWith, pollUntil, replayTrace } from '@lapi/testing';
import { DataSource } from 'typeorm';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(120_000);

/** 1.6/1.7 agents and bouncers (their requests rebuilt from upstream's source) against the standalone LAPI. */
describe.each([
  ['Postgres', false],
  ['the embedded database', true],
])('CrowdSec 1.6/1.7 clients against the standalone LAPI on %s', (_name, embedded) => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-usage-'));
  let lapi: TestLapi;
  const lapictl = lapictlWith(() => ({ NATS_URL: '', ...(embedded ? { LAPI_DATA_DIR: join(root, 'data'), DATABASE_URL: '' } : { DATABASE_URL: lapi.db!.url }) }));
  const storedMetrics = async (by: string) =>
    (await lapi.app.get(DataSource).query('SELECT generated_type, payload FROM usage_metrics WHERE generated_by = $1 ORDER BY id', [by])) as { generated_type: string; payload: any }[];

  beforeAll(async () => {
    lapi = await startTestLapi(embedded ? { embeddedDir: join(root, 'data') } : {});
  });
  afterAll(async () => {
    await lapi?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("answers a 1.7 agent's start, heartbeat and metrics pushes as upstream, and records what it runs", async () => {
    await lapi.machineToken('agent-17');
    const answers = await replayTrace(lapi.url, agent17Trace('agent-17', 'test-password'));
    expect(answers.filter((a) => !a.asUpstream)).toEqual([]);
    const m = (await lapi.app.get(MachinesRepository).findByMachineId('agent-17'))!;
    expect(m).toMatchObject({ version: 'v1.7.8-debian-pragmatic-amd64-a88b497b', osName: 'debian', osVersion: '12', featureFlags: 're2_grok_support', datasources: { file: 2, journalctl: 1 } });
    expect(m.hubState!.collections.map((c) => c.name)).toEqual(['crowdsecurity/linux', 'crowdsecurity/sshd']);
    expect(m.lastHeartbeat).not.toBeNull();
    const stored = await storedMetrics('agent-17');
    expect(stored.map((s) => s.generated_type)).toEqual(['LP', 'LP']);
    expect(stored[0].payload.metrics[0].items).toHaveLength(3);
  });

  it("answers a 1.6+ bouncer's stream and metrics push as upstream, and records its type, version, OS and last pull", async () => {
    const apiKey = await lapi.bouncerKey('fw-17');
    const answers = await replayTrace(lapi.url, bouncer17Trace(), { apiKey });
    expect(answers.filter((a) => !a.asUpstream)).toEqual([]);
    const b = await pollUntil(async () => {
      const row = await lapi.app.get(BouncersRepository).findByName('fw-17');
      return row?.type === 'crowdsec-firewall-bouncer' && row;
    }, "the bouncer's type from its User-Agent");
    expect(b).toMatchObject({ osName: 'debian', osFamily: 'debian', osVersion: '12', featureFlags: '' });
    expect(b.version).toMatch(/^v0\.0\.31-/);
    expect(b.lastPull).not.toBeNull();
    // The fleet's gauges, read from the database at the scrape.
    const scraped = await registry.metrics();
    expect(scraped).toMatch(/^lapi_active_bouncers\{type="crowdsec-firewall-bouncer",version="v0\.0\.31-[^"]+"\} [1-9]/m);
    expect(scraped).toMatch(/^lapi_active_machines\{version="v1\.7\.8-debian-pragmatic-amd64-a88b497b"\} 1$/m);
    expect(scraped).toMatch(/^lapi_bouncer_last_pull_age_seconds\{bouncer="fw-17",type="crowdsec-firewall-bouncer"\} \d/m);
    const [stored] = await storedMetrics('fw-17');
    expect(stored).toMatchObject({ generated_type: 'RC', payload: { type: 'crowdsec-firewall-bouncer' } });
    expect(stored.payload.metrics[0].items).toHaveLength(6);
  });

  it('refuses what upstream refuses, with a JSON message: the wrong kind of data, two components, a broken schema, no credential', async () => {
    const token = await lapi.machineToken('agent-bad');
    const apiKey = await lapi.bouncerKey('fw-bad');
    const lp = agentUsageMetrics().log_processors[0];
    const rc = bouncerUsageMetrics().remediation_components[0];
    const cases: [string, { token?: string; apiKey?: string }, unknown, number, RegExp][] = [
      ['an agent sending a bouncer payload', { token }, { remediation_components: [rc] }, 400, /Missing log processor data/],
      ['a bouncer sending an agent payload', { apiKey }, { log_processors: [lp] }, 400, /Missing remediation component data/],
      ['two log processors', { token }, { log_processors: [lp, lp] }, 400, /more than one log processor/],
      ['two remediation components', { apiKey }, { remediation_components: [rc, rc] }, 400, /more than one remediation component/],
      ['no version', { apiKey }, { remediation_components: [{ ...rc, version: undefined }] }, 422, /version/],
      ['a value that is not a number', { apiKey }, { remediation_components: [{ ...rc, metrics: [{ meta: rc.metrics[0].meta, items: [{ name: 'x', unit: 'ip', value: 'six' }] }] }] }, 422, /value/],
      ['an OS without its version', { token }, { log_processors: [{ ...lp, os: { name: 'debian' } }] }, 422, /version/],
      ['a log processor without data sources', { token }, { log_processors: [{ ...lp, datasources: undefined }] }, 422, /datasources/],
      ['a version longer than 255 characters', { apiKey }, { remediation_components: [{ ...rc, version: 'v'.repeat(256) }] }, 422, /version/],
    ];
    for (const [what, creds, body, status, message] of cases) {
      const res = await call(lapi, 'POST', '/v1/usage-metrics', { ...creds, body });
      expect({ what, status: res.status, message: res.body?.message }).toEqual({ what, status, message: expect.stringMatching(message) });
    }
    expect((await call(lapi, 'POST', '/v1/usage-metrics', { apiKey, rawBody: '{"remediation_components": [' })).status).toBe(400);
    expect(await call(lapi, 'POST', '/v1/usage-metrics', { body: { remediation_components: [rc] } })).toMatchObject({ status: 403, body: { message: expect.any(String) } });
    expect(await storedMetrics('agent-bad')).toEqual([]);
    expect(await storedMetrics('fw-bad')).toEqual([]);
  });

  it('keeps every push while many bouncers and agents push, bouncers poll and lapictl lists', async () => {
    const bouncers = await Promise.all(Array.from({ length: 12 }, (_, i) => lapi.bouncerKey(`load-fw-${i}`)));
    const agents = await Promise.all(Array.from({ length: 4 }, (_, i) => lapi.machineToken(`load-agent-${i}`)));
    const headers = { 'user-agent': FIREWALL_BOUNCER_USER_AGENT };
    // Each bouncer starts as a real one does, with its startup stream; then everything at once.
    for (const apiKey of bouncers) expect((await call(lapi, 'GET', '/v1/decisions/stream?startup=true', { apiKey, headers })).status).toBe(200);
    const pushes = bouncers.flatMap((apiKey) => Array.from({ length: 5 }, () => call(lapi, 'POST', '/v1/usage-metrics', { apiKey, headers, body: bouncerUsageMetrics() })));
    const agentPushes = agents.flatMap((token) => Array.from({ length: 5 }, () => call(lapi, 'POST', '/v1/usage-metrics', { token, body: agentUsageMetrics() })));
    const polls = bouncers.flatMap((apiKey) => Array.from({ length: 5 }, () => call(lapi, 'GET', '/v1/decisions/stream', { apiKey, headers })));
    const lists = Promise.all([lapictl({}, '-o', 'json', 'bouncers', 'list'), lapictl({}, '-o', 'json', 'machines', 'list')]);
    const answers = await Promise.all([...pushes, ...agentPushes, ...polls]);
    expect(answers.filter((a) => a.status >= 300).map((a) => [a.status, a.body])).toEqual([]);
    const [bouncerList, machineList] = await lists;
    expect(JSON.parse(bouncerList).length).toBeGreaterThanOrEqual(12);
    expect(JSON.parse(machineList).length).toBeGreaterThanOrEqual(4);
    const [{ n }] = await lapi.app.get(DataSource).query(`SELECT count(*)::int AS n FROM usage_metrics WHERE generated_by LIKE 'load-%'`);
    expect(n).toBe(12 * 5 + 4 * 5);
    await pollUntil(async () => {
      const rows = await lapi.app.get(BouncersRepository).list();
      return rows.filter((r) => r.name.startsWith('load-fw-') && r.type === 'crowdsec-firewall-bouncer' && r.osName === 'debian').length === 12;
    }, 'every loaded bouncer with its type and OS');
  });
});
