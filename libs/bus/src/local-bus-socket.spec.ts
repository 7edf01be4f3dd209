import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionChanges } from '@lapi/decision-model';
import { InProcessBus } from './in-process-bus';
import { LocalBusClient, LocalBusServer, localBusSocket } from './local-bus-socket';

const record = (seq: number, value: string) => ({
  id: seq, uuid: `u-${seq}`, alertId: 1, createdAt: 1, until: 2, scenario: 's', type: 'ban', scope: 'Ip', value, origin: 'cscli', simulated: false, seq, ended: false,
});
const changes = (from: number, values: string[]): DecisionChanges => ({ fromSeq: from, toSeq: from + values.length - 1, decisions: values.map((v, i) => record(from + i, v)) });

/** Writes raw text to the socket, as any local process could. */
function sendRaw(path: string, text: string): Promise<void> {
  return new Promise((done) => {
    const s = connect(path, () => s.end(text, () => done()));
    s.on('error', () => done());
  });
}

describe('the local bus socket (lapictl → a LAPI without NATS)', () => {
  let dir: string;
  let bus: InProcessBus;
  let server: LocalBusServer;
  const seen: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-bus-'));
    bus = new InProcessBus();
    bus.onDecisionChanges((c) => seen.push(...c.decisions.map((d) => d.value)));
    bus.onRevocation((r) => seen.push(`revoked ${r.kind} ${r.id}`));
    server = new LocalBusServer(bus, localBusSocket(dir));
    await server.listen();
    seen.length = 0;
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (n: number) => {
    for (let i = 0; i < 100 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('delivers what lapictl publishes, a large batch in parts, to the LAPI\'s bus', async () => {
    const client = (await LocalBusClient.connect(localBusSocket(dir)))!;
    const many = Array.from({ length: 5000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`.padEnd(300, ' '));
    await client.publishDecisionChanges(changes(1, many));
    await client.publishRevocation({ kind: 'bouncer', id: 'abc' });
    await client.close();
    await until(5001);
    expect(seen).toEqual([...many, 'revoked bouncer abc']);
  });

  it('drops malformed and inconsistent messages and keeps serving', async () => {
    const forged = { ...changes(1, ['192.0.2.1']), toSeq: 1_000_000 };
    await sendRaw(localBusSocket(dir), `not json\n{"subject":"decisionChanges","body":${JSON.stringify(forged)}}\n{"subject":"other","body":{}}\n`);
    const client = (await LocalBusClient.connect(localBusSocket(dir)))!;
    await client.publishDecisionChanges(changes(2, ['192.0.2.2']));
    await client.close();
    await until(1);
    expect(seen).toEqual(['192.0.2.2']);
  });

  it('is for its owner only, and refuses a second LAPI on the same directory', async () => {
    expect(statSync(localBusSocket(dir)).mode & 0o777).toBe(0o600);
    await expect(new LocalBusServer(new InProcessBus(), localBusSocket(dir)).listen()).rejects.toThrow(/another LAPI already serves/);
  });

  it('has nobody to tell when no LAPI serves the directory', async () => {
    await server.close();
    expect(await LocalBusClient.connect(localBusSocket(dir))).toBeUndefined();
    server = new LocalBusServer(bus, localBusSocket(dir));
    await server.listen();
  });
});
