import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BouncerEvent, buildServices, pollUntil, CustomBouncer, HTTP_PROBING_HUB_ITEMS, httpProbingLog, sshBruteForceLog, startAgentReplay, startCustomBouncer } from '@lapi/testing';
import { parseDuration } from '@lapi/common';
import { startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(180_000);

/** An operator's profiles.yaml: captcha for HTTP scenarios, an escalating ban for the rest. */
const PROFILES = `name: captcha_http
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip" && Alert.GetScenario() startsWith "crowdsecurity/http-"
decisions:
 - type: captcha
   duration: 1h
on_success: break
---
name: escalating_ban
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
duration_expr: Sprintf('%dh', (GetDecisionsCount(Alert.GetValue()) + 1) * 4)
on_success: break
`;

const HOUR = 3600;

/** Seconds of each decision on `value` that the bouncer took from the stream, in order (from its debug log). */
function receivedDurations(bouncer: CustomBouncer, value: string): number[] {
  const lines = [...bouncer.stderr().matchAll(/Adding '([^']+)' for '([^']+)'/g)].filter((m) => m[1] === value);
  return lines.map((m) => Math.round(parseDuration(m[2])! / 1000));
}
const adds = (events: BouncerEvent[], value: string) => events.filter((e) => e.action === 'add' && e.value === value);

/** The real crowdsec agent and custom bouncer against an operator's profiles. */
describe.each([
  ['Postgres', false],
  ['the embedded database', true],
])('profiles.yaml with the real CrowdSec clients on %s', (_name, embedded) => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-profiles-'));
  let lapi: TestLapi;
  let bouncer: CustomBouncer;
  let runs = 0;

  const replay = async (logText: string, hubItems?: string[]) => {
    const logFile = join(root, `replay-${++runs}.log`);
    writeFileSync(logFile, logText);
    const run = await startAgentReplay({ url: `${lapi.url}/`, login: 'agent-profiles', password: 'test-password', logFile, hubItems, dir: join(root, `agent-${runs}`) });
    expect(run.code).toBe(0);
  };

  beforeAll(async () => {
    buildServices();
    const profilesFile = join(root, 'profiles.yaml');
    writeFileSync(profilesFile, PROFILES);
    lapi = await startTestLapi({ profilesFile, ...(embedded ? { embeddedDir: join(root, 'data') } : {}) });
    await lapi.machineToken('agent-profiles');
    bouncer = await startCustomBouncer({ url: `${lapi.url}/`, apiKey: await lapi.bouncerKey(), dir: join(root, 'bouncer'), updateFrequency: '1s' });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await lapi?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("escalates: the same attacker's second alert gives an 8h ban (duration_expr over GetDecisionsCount), and the bouncer receives 8h", async () => {
    await replay(sshBruteForceLog('203.0.113.10', 10));
    const first = await bouncer.waitFor((ev) => adds(ev, '203.0.113.10').length === 1, 15_000, 'the first ban');
    const firstSeconds = Number(adds(first, '203.0.113.10')[0].duration);
    expect(firstSeconds).toBeGreaterThan(4 * HOUR - 120);
    expect(firstSeconds).toBeLessThanOrEqual(4 * HOUR);

    await replay(sshBruteForceLog('203.0.113.10', 10));
    // The custom bouncer runs its script once per address (0.0.15 keeps the first); its debug log shows each decision it receives.
    const received = await pollUntil(() => {
      const d = receivedDurations(bouncer, '203.0.113.10');
      return d.length === 2 && d;
    }, 'the escalated ban in the stream', { timeoutMs: 15_000 });
    expect(received[0]).toBeLessThanOrEqual(4 * HOUR);
    expect(received[1]).toBeGreaterThan(8 * HOUR - 120);
    expect(received[1]).toBeLessThanOrEqual(8 * HOUR);
  });

  it('gives a captcha for an HTTP scenario and a ban for the rest', async () => {
    await replay(httpProbingLog('203.0.113.20'), HTTP_PROBING_HUB_ITEMS);
    await replay(sshBruteForceLog('203.0.113.21', 10));
    const events = await bouncer.waitFor((ev) => adds(ev, '203.0.113.20').length > 0 && adds(ev, '203.0.113.21').length > 0, 15_000, 'both decisions');
    expect(adds(events, '203.0.113.20').map((e) => [e.decision?.type, e.decision?.scenario])).toEqual([['captcha', 'crowdsecurity/http-probing']]);
    expect(Number(adds(events, '203.0.113.20')[0].duration)).toBeLessThanOrEqual(HOUR);
    expect(adds(events, '203.0.113.21').map((e) => [e.decision?.type, e.decision?.scenario])).toEqual([['ban', 'crowdsecurity/ssh-bf']]);
  });
});

/** What an operator sees when their files use more than is supported: the service does not start, and says why in one line. */
describe('a profiles or notifications file that cannot be used stops start-up', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-profiles-bad-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const start = (env: Record<string, string>) => {
    const res = spawnSync(process.execPath, [join(__dirname, '../../../scripts/service.js'), 'standalone'], {
      env: { ...process.env, DATABASE_URL: '', NATS_URL: '', LAPI_DATA_DIR: join(root, 'data'), LAPI_PORT: '0', LAPI_METRICS_PORT: '0', LAPI_LOG_FORMAT: 'json', ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: res.status, firstLine: (res.stderr + res.stdout).split('\n').find((l) => l.startsWith('configuration error: ')) };
  };
  const file = (name: string, text: string) => {
    const path = join(root, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => buildServices());

  it.each([
    ['an unknown function', 'name: cti\nfilters:\n - CrowdsecCTI(Alert.GetValue()).GetBackgroundNoiseScore() > 6\n', 'profile "cti": filter 1: "CrowdsecCTI(Alert.GetValue()).GetBackgroundNoiseScore() > 6": unknown function CrowdsecCTI'],
    ['a syntax error', 'name: broken\nfilters:\n - Alert.GetScope() = "Ip"\n', 'profile "broken": filter 1: "Alert.GetScope() = \\"Ip\\"": unexpected character "="'],
    ['a bad duration', 'name: long\nfilters: ["true"]\ndecisions:\n - {type: ban, duration: 4 hours}\n', 'profile "long": decision 1: duration "4 hours" is not a positive duration'],
    ['a notification without a config', 'name: n\nfilters: ["true"]\nnotifications: [slack_default]\n', 'profile "n": notification "slack_default" has no config'],
  ])('%s, naming the file, the profile and the expression', (_what, text, message) => {
    const path = file(`${_what.replace(/ /g, '-')}.yaml`, text);
    const { code, firstLine } = start({ LAPI_PROFILES_FILE: path });
    expect(code).toBe(1);
    expect(firstLine).toContain(`configuration error: invalid LAPI_PROFILES_FILE=${JSON.stringify(path)}: ${path}: ${message}`);
  });

  it('a notification format other than upstream\'s shipped {{.|toJson}}', () => {
    const dir = join(root, 'notifications');
    file('notifications/http.yaml', 'type: http\nname: hook\nurl: http://127.0.0.1:9/\nformat: |\n  {{range .}}{{.Scenario}}{{end}}\n');
    const { code, firstLine } = start({ LAPI_NOTIFICATIONS_DIR: dir });
    expect(code).toBe(1);
    expect(firstLine).toContain('is not supported: only upstream\'s shipped template {{.|toJson}}');
  });
});
