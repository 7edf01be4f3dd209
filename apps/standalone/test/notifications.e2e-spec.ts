import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, newAlert, pollUntil, sql, sshBruteForceLog, startAgentReplay, buildServices, TestDatabase } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(180_000);

const NOTIFIER_TIMEOUT_MS = 2000;

/** A webhook endpoint: fails the first `failFirst` requests with 500, hangs while `down`, records what it answered 2xx. */
class Receiver {
  server!: Server;
  url = '';
  requests = 0;
  failFirst = 0;
  down = false;
  /** Alert ids in the bodies it accepted, in order (a duplicate shows twice). */
  accepted: number[] = [];
  scenariosSeen: string[] = [];
  alerts: { decisions?: { type: string; value: string; duration: string }[] }[] = [];
  authorization: string[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        // A receiver that is down takes the connection and never answers: the sender's timeout is what ends it.
        if (this.down) return;
        if (this.requests <= this.failFirst) {
          res.writeHead(500).end('try later');
          return;
        }
        this.authorization.push(String(req.headers.authorization));
        const alerts = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; scenario: string }[];
        this.alerts.push(...(alerts as Receiver['alerts']));
        for (const a of alerts) {
          this.accepted.push(a.id);
          this.scenariosSeen.push(a.scenario);
        }
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const PROFILES = `name: notify_and_ban
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
notifications:
 - hook
on_success: break
`;

function writeConfig(root: string, receiverUrl: string): { profilesFile: string; notificationsDir: string } {
  const notificationsDir = join(root, 'notifications');
  mkdirSync(notificationsDir, { recursive: true });
  writeFileSync(join(notificationsDir, 'http.yaml'), `type: http\nname: hook\nformat: |\n  {{.|toJson}}\nurl: ${receiverUrl}\nmethod: POST\ntimeout: ${NOTIFIER_TIMEOUT_MS / 1000}s\nmax_retry: 10\nheaders:\n  Authorization: token abc\n`);
  const profilesFile = join(root, 'profiles.yaml');
  writeFileSync(profilesFile, PROFILES);
  return { profilesFile, notificationsDir };
}

const pushOne = async (lapi: TestLapi, token: string, value: string) => {
  const started = Date.now();
  const res = await call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ sourceValue: value })] });
  expect(res.status).toBe(201);
  return { id: Number((res.body as string[])[0]), ms: Date.now() - started };
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('http notifications from profiles: two LAPIs on one Postgres (a cluster of two senders)', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-notify-'));
  const receiver = new Receiver();
  let db: TestDatabase;
  let a: TestLapi;
  let b: TestLapi;
  let tokens: string[];

  beforeAll(async () => {
    await receiver.start();
    db = await createTestDatabase();
    const files = writeConfig(root, receiver.url);
    const busSubjectPrefix = `lapi-test-${randomBytes(4).toString('hex')}`;
    const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    a = await startTestLapi({ ...files, sharedDatabaseUrl: db.url, natsUrl, busSubjectPrefix });
    b = await startTestLapi({ ...files, sharedDatabaseUrl: db.url, natsUrl, busSubjectPrefix });
    tokens = [await a.machineToken('agent-a'), await b.machineToken('agent-b')];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await receiver.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('delivers each notification exactly once, though the receiver fails its first two deliveries and both nodes send', async () => {
    receiver.failFirst = 2;
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push((await pushOne(i % 2 ? b : a, tokens[i % 2], `192.0.2.${100 + i}`)).id);
    await pollUntil(() => ids.every((id) => receiver.accepted.includes(id)), 'every notification accepted', { timeoutMs: 30_000, intervalMs: 50 });
    // Both nodes poll four times a second: a second more is several rounds in which a duplicate would show.
    await new Promise((r) => setTimeout(r, 1000));
    expect([...receiver.accepted].sort()).toEqual([...ids].sort());
    expect(receiver.requests).toBe(2 + ids.length);
    const rows: { n: number; delivered: number }[] = await sql(db.url, 'SELECT count(*)::int AS n, count(delivered_at)::int AS delivered FROM notification_deliveries');
    expect(rows[0]).toEqual({ n: ids.length, delivered: ids.length });
  });

  it('keeps taking pushes at the same pace while the receiver hangs, then delivers what waited', async () => {
    const before: number[] = [];
    for (let i = 0; i < 8; i++) before.push((await pushOne(a, tokens[0], `198.51.100.${i}`)).ms);
    await pollUntil(() => receiver.accepted.length >= 14, 'the first pushes delivered', { timeoutMs: 30_000 });

    receiver.down = true;
    const hungFrom = receiver.requests;
    const during: { id: number; ms: number }[] = [];
    for (let i = 0; i < 8; i++) during.push(await pushOne(i % 2 ? b : a, tokens[i % 2], `198.51.100.${50 + i}`));
    await pollUntil(() => receiver.requests > hungFrom, 'a delivery to reach the hanging receiver', { timeoutMs: 10_000 });
    for (let i = 0; i < 8; i++) during.push(await pushOne(a, tokens[0], `198.51.100.${80 + i}`));
    // Not a speed threshold: a push that waited for the endpoint would take its whole timeout.
    expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(NOTIFIER_TIMEOUT_MS);
    console.log(`push latency, median: ${median(before)} ms with the receiver up, ${median(during.map((d) => d.ms))} ms while it hangs (timeout ${NOTIFIER_TIMEOUT_MS} ms)`);

    receiver.down = false;
    await pollUntil(() => during.every((d) => receiver.accepted.includes(d.id)), 'what waited to be delivered', { timeoutMs: 60_000, intervalMs: 100 });
    const counts = new Map<number, number>();
    for (const id of receiver.accepted) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('http notifications on the embedded database, from the real agent', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-notify-emb-'));
  const receiver = new Receiver();
  let lapi: TestLapi;

  beforeAll(async () => {
    buildServices();
    await receiver.start();
    lapi = await startTestLapi({ ...writeConfig(root, receiver.url), embeddedDir: join(root, 'data') });
    await lapi.machineToken('agent-notify');
  });
  afterAll(async () => {
    await lapi?.close();
    await receiver.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("sends the agent's alert, with its decision, once, after two failed deliveries", async () => {
    receiver.failFirst = 2;
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.90', 10));
    const run = await startAgentReplay({ url: `${lapi.url}/`, login: 'agent-notify', password: 'test-password', logFile, dir: join(root, 'agent') });
    expect(run.code).toBe(0);
    await pollUntil(() => receiver.accepted.length === 1, 'the notification', { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.scenariosSeen).toEqual(['crowdsecurity/ssh-bf']);
    expect(receiver.requests).toBe(3);
    expect(receiver.authorization).toEqual(['token abc']);
    expect(receiver.alerts[0].decisions).toEqual([expect.objectContaining({ type: 'ban', value: '203.0.113.90', duration: expect.stringMatching(/^(4h0m0s|3h59m)/) })]);
  });
});
