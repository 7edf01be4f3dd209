/**
 * Proves the CrowdSec harness against the real upstream LAPI:
 *   cd /work/main && npx ts-node --transpile-only libs/testing/src/crowdsec/verify-harness.ts
 * Every client talks to the LAPI through a recording proxy, so each step also prints the HTTP calls it made.
 * Exits non-zero on the first failure and keeps the temp dir for inspection then.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../processes';
import { startAgentReplay, sshBruteForceLog } from './agent-replay';
import { Cscli, createCscli } from './cscli';
import { BouncerEvent, CustomBouncer, startCustomBouncer } from './custom-bouncer';
import { RecordingProxy, startRecordingProxy } from './recording-proxy';
import { UpstreamLapi, startUpstreamLapi } from './upstream-lapi';

interface Decision {
  id: number;
  value: string;
  scope: string;
  type: string;
  origin: string;
  scenario: string;
}
interface Alert {
  id: number;
  scenario: string;
  source: { ip?: string; value?: string };
  decisions: Decision[] | null;
}

const ATTACKER = '203.0.113.45';
const MANUAL = ['1.2.3.4', '10.0.0.0/24', '2001:db8::1'];

interface Context {
  root: string;
  lapi?: UpstreamLapi;
  proxy?: RecordingProxy;
  cscli?: Cscli;
  bouncer?: CustomBouncer;
}

function check(ok: unknown, message: string): void {
  if (!ok) throw new Error(message);
}

async function step<T>(ctx: Context, name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`- ${name} ... `);
  const result = await fn();
  const calls = ctx.proxy?.take() ?? [];
  const http = calls.length ? `\n    http: ${summarize(calls.map((c) => `${c.method} ${c.path} ${c.status} [${c.userAgent.split('/')[0]}]`))}` : '';
  console.log(`ok (${Date.now() - started} ms)${http}`);
  return result;
}

/** "GET /v1/decisions/stream? 200 [crowdsec-custom-bouncer] x12" instead of twelve lines (cscli and the agent both send "crowdsec/<version>"). */
function summarize(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, n]) => (n > 1 ? `${l} x${n}` : l)).join(', ');
}

async function mustRun(cscli: Cscli, args: string[]): Promise<string> {
  const res = await cscli.run(args);
  check(res.code === 0, `cscli ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return res.stdout;
}

async function activeDecisions(cscli: Cscli): Promise<Decision[]> {
  const alerts = (await cscli.json<Alert[] | null>(['decisions', 'list'])) ?? [];
  return alerts.flatMap((a) => a.decisions ?? []);
}

const sawAdd = (value: string) => (events: BouncerEvent[]) => events.some((e) => e.action === 'add' && e.value === value);

async function verifyManualDecisions(ctx: Context): Promise<void> {
  const cscli = ctx.cscli!;
  await step(ctx, 'cscli lapi register + machines validate', async () => {
    const creds = await cscli.register('harness-verify');
    check(creds.login === 'harness-verify' && creds.password && creds.url, `credentials file: ${JSON.stringify(creds)}`);
    await mustRun(cscli, ['machines', 'validate', 'harness-verify']);
  });
  await step(ctx, 'cscli lapi status', () => mustRun(cscli, ['lapi', 'status']));
  await step(ctx, `cscli decisions add ${MANUAL.join(', ')}`, async () => {
    await mustRun(cscli, ['decisions', 'add', '-i', MANUAL[0], '-d', '1h', '-R', 'harness test']);
    await mustRun(cscli, ['decisions', 'add', '-r', MANUAL[1]]);
    await mustRun(cscli, ['decisions', 'add', '-i', MANUAL[2]]);
  });
  await step(ctx, 'cscli decisions list -o json', async () => {
    const values = (await activeDecisions(cscli)).map((d) => d.value);
    check(MANUAL.every((v) => values.includes(v)), `decisions list: ${values.join(', ')}`);
  });
}

async function verifyBouncer(ctx: Context): Promise<void> {
  const apiKey = await step(ctx, 'cscli bouncers add (upstream database)', () => ctx.lapi!.addBouncer('harness-bouncer'));
  ctx.bouncer = await step(ctx, 'start crowdsec-custom-bouncer (first pull answered)', () =>
    startCustomBouncer({ url: ctx.proxy!.url, apiKey, dir: join(ctx.root, 'bouncer'), updateFrequency: '1s' }),
  );
  await step(ctx, 'bouncer script saw the 3 adds', () => ctx.bouncer!.waitFor((ev) => MANUAL.every((v) => sawAdd(v)(ev)), 10_000));
  await step(ctx, `cscli decisions delete -i ${MANUAL[0]} → bouncer del`, async () => {
    await mustRun(ctx.cscli!, ['decisions', 'delete', '-i', MANUAL[0]]);
    await ctx.bouncer!.waitFor((ev) => ev.some((e) => e.action === 'del' && e.value === MANUAL[0]), 10_000, `a del of ${MANUAL[0]}`);
  });
}

async function verifyAgent(ctx: Context): Promise<void> {
  const cscli = ctx.cscli!;
  const password = 'harness-agent-password-0123456789';
  await step(ctx, 'cscli machines add harness-agent (database)', () =>
    mustRun(cscli, ['machines', 'add', 'harness-agent', '--password', password, '-f', join(ctx.root, 'agent-machine.yaml')]),
  );
  const logFile = join(ctx.root, 'auth.log');
  writeFileSync(logFile, sshBruteForceLog(ATTACKER));
  const replay = await step(ctx, `crowdsec -no-api -dsn file://… -type syslog (replay until exit)`, () =>
    startAgentReplay({ url: ctx.proxy!.url, login: 'harness-agent', password, logFile, dir: join(ctx.root, 'agent') }),
  );
  check(replay.code === 0, `agent exited ${replay.code}:\n${replay.stdout}\n${replay.stderr}`);
  check(/performed 'crowdsecurity\/ssh-bf'/.test(replay.stdout + replay.stderr), `agent raised no ssh-bf overflow:\n${replay.stdout}${replay.stderr}`);
  const alert = await step(ctx, 'cscli alerts list -o json has ssh-bf with a ban', async () => {
    const alerts = (await cscli.json<Alert[] | null>(['alerts', 'list'])) ?? [];
    const found = alerts.find((a) => a.scenario === 'crowdsecurity/ssh-bf' && a.source.ip === ATTACKER);
    check(found, `no ssh-bf alert for ${ATTACKER}: ${JSON.stringify(alerts.map((a) => [a.id, a.scenario, a.source.value]))}`);
    check(found!.decisions?.some((d) => d.type === 'ban' && d.value === ATTACKER), `ssh-bf alert without a ban: ${JSON.stringify(found)}`);
    return found!;
  });
  await step(ctx, `cscli alerts inspect ${alert.id} -o json`, async () => {
    const inspected = await cscli.json<Alert>(['alerts', 'inspect', String(alert.id)]);
    check(inspected.id === alert.id && inspected.scenario === alert.scenario, `inspect: ${JSON.stringify(inspected).slice(0, 300)}`);
  });
  await step(ctx, `cscli decisions list shows the ban, bouncer adds ${ATTACKER}`, async () => {
    check((await activeDecisions(cscli)).some((d) => d.value === ATTACKER && d.origin === 'crowdsec'), 'no crowdsec ban in decisions list');
    await ctx.bouncer!.waitFor(sawAdd(ATTACKER), 10_000, `an add of ${ATTACKER}`);
  });
  await step(ctx, `cscli alerts delete --ip ${ATTACKER}`, async () => {
    await mustRun(cscli, ['alerts', 'delete', '--ip', ATTACKER]);
    const left = ((await cscli.json<Alert[] | null>(['alerts', 'list'])) ?? []).filter((a) => a.source.ip === ATTACKER);
    check(left.length === 0, `alerts left for ${ATTACKER}: ${left.length}`);
  });
}

async function stopAll(ctx: Context): Promise<void> {
  await ctx.bouncer?.stop();
  await ctx.proxy?.stop();
  await ctx.lapi?.stop();
}

async function main(): Promise<void> {
  const ctx: Context = { root: mkdtempSync(join(tmpdir(), 'lapi-verify-harness-')) };
  const started = Date.now();
  console.log(`harness dir: ${ctx.root}`);
  try {
    const port = await freePort();
    ctx.lapi = await step(ctx, `start upstream LAPI on 127.0.0.1:${port}`, () => startUpstreamLapi({ port, dir: join(ctx.root, 'lapi') }));
    ctx.proxy = await step(ctx, 'start recording proxy', () => startRecordingProxy(ctx.lapi!.url));
    ctx.cscli = createCscli({ url: ctx.proxy.url, dir: join(ctx.root, 'cscli'), dbPath: ctx.lapi.dbPath });
    await verifyManualDecisions(ctx);
    await verifyBouncer(ctx);
    await verifyAgent(ctx);
    await step(ctx, 'stop everything', () => stopAll(ctx));
    console.log(`bouncer script calls:\n${(await ctx.bouncer!.events()).map((e) => `    ${e.raw}`).join('\n')}`);
    console.log(`ALL GREEN in ${Date.now() - started} ms`);
    rmSync(ctx.root, { recursive: true, force: true });
  } catch (e) {
    console.log('FAILED');
    console.error((e as Error).stack ?? e);
    if (ctx.bouncer) console.error(`--- bouncer stderr (tail) ---\n${ctx.bouncer.stderr().slice(-3000)}`);
    if (ctx.lapi) console.error(`--- upstream LAPI output (tail) ---\n${ctx.lapi.output().slice(-3000)}`);
    console.error(`kept ${ctx.root}`);
    await stopAll(ctx);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(e);
  process.exitCode = 1;
});
