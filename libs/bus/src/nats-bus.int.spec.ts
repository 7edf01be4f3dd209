import { randomBytes } from 'node:crypto';
import { pollUntil, startNats } from '@lapi/testing';
import { DecisionChanges, DecisionRecord, encodeChanges } from '@lapi/decision-model';
import { connectNats, NatsBus } from './nats-bus';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
// A prefix of this file's own: every suite runs in one jest process, so the pid is not enough.
const prefix = `lapi-test-${randomBytes(4).toString('hex')}`;

function decisions(from: number, n: number): DecisionRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: from + i, uuid: 'u', alertId: 1, createdAt: 0, until: 1, scenario: 's', type: 'ban', scope: 'Ip',
    value: `10.0.${(from + i) >> 8 & 255}.${(from + i) & 255}`, origin: 'cscli', simulated: false, seq: from + i, ended: false,
  }));
}

describe('NatsBus on a real NATS server', () => {
  let a: NatsBus;
  let b: NatsBus;

  beforeAll(async () => {
    a = new NatsBus(await connectNats(natsUrl, 'test-a'), prefix);
    b = new NatsBus(await connectNats(natsUrl, 'test-b'), prefix);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('keeps clusters with different subject prefixes apart on one NATS server', async () => {
    const other = new NatsBus(await connectNats(natsUrl, 'test-other'), `${prefix}-other`);
    const heardByOther: DecisionChanges[] = [];
    const heardByB: DecisionChanges[] = [];
    const stopOther = other.onDecisionChanges((c) => heardByOther.push(c));
    const stopB = b.onDecisionChanges((c) => heardByB.push(c));
    // Published until heard: a subscription takes a moment to reach the server.
    await pollUntil(async () => {
      await a.publishDecisionChanges({ fromSeq: 1, toSeq: 1, decisions: decisions(1, 1) });
      return heardByB.some((c) => c.fromSeq === 1);
    }, 'b to hear a');
    // other hears its own cluster's messages, which the server routed after a's: a's would be there by now.
    await pollUntil(async () => {
      await other.publishDecisionChanges({ fromSeq: 7, toSeq: 7, decisions: decisions(7, 1) });
      return heardByOther.some((c) => c.fromSeq === 7);
    }, 'other to hear its own cluster');
    stopOther();
    stopB();
    await other.close();
    expect(heardByOther.map((c) => c.fromSeq)).not.toContain(1);
    expect(heardByB.map((c) => c.fromSeq)).not.toContain(7);
  });

  it('delivers decision changes published by one node to another, large batches in contiguous parts', async () => {
    const got: DecisionChanges[] = [];
    const stop = b.onDecisionChanges((c) => got.push(c));
    await new Promise((r) => setTimeout(r, 50)); // subscription interest reaches the server
    await a.publishDecisionChanges({ fromSeq: 1, toSeq: 2500, decisions: decisions(1, 2500) });
    await pollUntil(() => got.reduce((n, c) => n + c.decisions.length, 0) === 2500, 'all 2500 decisions');
    stop();
    expect(got[0].fromSeq).toBe(1);
    for (let i = 1; i < got.length; i++) expect(got[i].fromSeq).toBe(got[i - 1].toSeq + 1);
    expect(got[got.length - 1].toSeq).toBe(2500);
  });

  it('delivers revocations', async () => {
    const got: string[] = [];
    const stop = b.onRevocation((r) => got.push(`${r.kind}:${r.id}`));
    await new Promise((r) => setTimeout(r, 50));
    await a.publishRevocation({ kind: 'bouncer', id: 'abc' });
    await pollUntil(() => got.length === 1, 'the revocation');
    stop();
    expect(got).toEqual(['bouncer:abc']);
  });

  it('splits large batches by size, so no message exceeds the server\'s max_payload', async () => {
    const got: DecisionChanges[] = [];
    const stop = b.onDecisionChanges((c) => got.push(c));
    await new Promise((r) => setTimeout(r, 50));
    // 1000 decisions of about 4 KB each: 4 MB, four times NATS's default max_payload.
    const big = decisions(1, 1000).map((d) => ({ ...d, scenario: 's'.repeat(4000) }));
    await a.publishDecisionChanges({ fromSeq: 1, toSeq: 1000, decisions: big });
    await pollUntil(() => got.reduce((n, c) => n + c.decisions.length, 0) === 1000, 'all 1000 decisions');
    stop();
    expect(got[0].fromSeq).toBe(1);
    for (let i = 1; i < got.length; i++) expect(got[i].fromSeq).toBe(got[i - 1].toSeq + 1);
    expect(got[got.length - 1].toSeq).toBe(1000);
  });

  it('splits keep the batch bounds and each part under the byte limit', () => {
    const changes = { fromSeq: 5, toSeq: 9, decisions: decisions(5, 5) };
    const one = Buffer.byteLength(JSON.stringify(changes.decisions[0]));
    const parts = encodeChanges(changes, 100 + 2 * (one + 1)).map((p) => ({ bytes: p.length, c: JSON.parse(Buffer.from(p).toString()) as DecisionChanges }));
    expect(parts.map(({ c }) => [c.fromSeq, c.toSeq, c.decisions.length])).toEqual([[5, 6, 2], [7, 8, 2], [9, 9, 1]]);
    for (const p of parts) expect(p.bytes).toBeLessThanOrEqual(100 + 2 * (one + 1));
    expect(parts.map(({ c }) => c.decisions)).toEqual([changes.decisions.slice(0, 2), changes.decisions.slice(2, 4), changes.decisions.slice(4)]);
  });

  it('drops forged or inconsistent decision changes: a count that does not match the range, numbers out of place, broken records', async () => {
    const got: DecisionChanges[] = [];
    const stop = b.onDecisionChanges((c) => got.push(c));
    await new Promise((r) => setTimeout(r, 50));
    const raw = await connectNats(natsUrl, 'test-forger');
    const forge = (m: unknown) => raw.publish(`${prefix}.decisions.changes`, Buffer.from(JSON.stringify(m)));
    forge({ fromSeq: 1, toSeq: 1_000_000, decisions: decisions(1, 1) });
    forge({ fromSeq: 1, toSeq: 2, decisions: decisions(5, 2) });
    forge({ fromSeq: 1, toSeq: 1, decisions: [{ ...decisions(1, 1)[0], value: 42 }] });
    forge({ fromSeq: 1, toSeq: 1, decisions: [{ ...decisions(1, 1)[0], until: 'tomorrow' }] });
    forge({ fromSeq: 9, toSeq: 9, decisions: decisions(9, 1) });
    await pollUntil(() => got.length > 0, 'the consistent message');
    await raw.drain();
    stop();
    expect(got.map((c) => [c.fromSeq, c.toSeq])).toEqual([[9, 9]]);
  });

  it('connects to a NATS server that requires credentials with them in NATS_URL, and is refused without', async () => {
    const secured = await startNats(undefined, ['--user', 'lapi', '--pass', 'bus-secret']);
    try {
      const withCreds = new NatsBus(await connectNats(secured.url.replace('nats://', 'nats://lapi:bus-secret@'), 'test-creds'), prefix);
      expect(withCreds.isConnected()).toBe(true);
      await withCreds.close();
      await expect(connectNats(secured.url, 'test-no-creds')).rejects.toThrow(/Authorization/i);
    } finally {
      await secured.stop();
    }
  });
});
