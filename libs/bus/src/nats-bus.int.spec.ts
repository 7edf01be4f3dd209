import { DecisionRecord } from '@lapi/common';
import { pollUntil } from '@lapi/testing';
import { connectNats, NatsBus, splitChanges } from './nats-bus';
import { DecisionChanges } from './contracts';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `lapi-test-${process.pid}`;

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
    await a.publishDecisionChanges({ fromSeq: 1, toSeq: 1, decisions: decisions(1, 1) });
    await pollUntil(() => heardByB.length === 1, 'b to hear a');
    // other hears its own cluster's message, which the server routed after a's: a's would be there by now.
    await other.publishDecisionChanges({ fromSeq: 7, toSeq: 7, decisions: decisions(7, 1) });
    await pollUntil(() => heardByOther.length > 0, 'other to hear its own cluster');
    stopOther();
    stopB();
    await other.close();
    expect(heardByOther.map((c) => c.fromSeq)).toEqual([7]);
    expect(heardByB.map((c) => c.fromSeq)).toEqual([1]);
  });

  it('delivers decision changes published by one node to another, large batches in contiguous parts', async () => {
    const got: DecisionChanges[] = [];
    const stop = b.onDecisionChanges((c) => got.push(c));
    await new Promise((r) => setTimeout(r, 50)); // subscription interest reaches the server
    await a.publishDecisionChanges({ fromSeq: 1, toSeq: 2500, decisions: decisions(1, 2500) });
    await pollUntil(() => got.reduce((n, c) => n + c.decisions.length, 0) === 2500, 'all 2500 decisions');
    stop();
    expect(got.map((c) => [c.fromSeq, c.toSeq])).toEqual([[1, 1000], [1001, 2000], [2001, 2500]]);
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

  it('splits keep the batch bounds', () => {
    const parts = splitChanges({ fromSeq: 5, toSeq: 9, decisions: decisions(5, 5) }, 2);
    expect(parts.map((p) => [p.fromSeq, p.toSeq, p.decisions.length])).toEqual([[5, 6, 2], [7, 8, 2], [9, 9, 1]]);
  });
});
