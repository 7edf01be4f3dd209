import { NatsBus } from '@lapi/bus';
import { parseIp } from '@lapi/common';
import { DecisionsRepository } from '@lapi/db';
import { pollUntil } from '@lapi/testing';
import { DecisionChanges, DecisionRecord } from '@lapi/decision-model';
import { IndexSync } from './index-sync';

/** A NatsBus whose reconnect the test triggers by hand. */
function fakeNatsBus() {
  const reconnectHandlers: (() => void)[] = [];
  const changeHandlers: ((c: DecisionChanges) => void)[] = [];
  const bus = Object.assign(Object.create(NatsBus.prototype) as NatsBus, {
    onDecisionChanges: (h: (c: DecisionChanges) => void) => (changeHandlers.push(h), () => undefined),
    onReconnect: (h: () => void) => reconnectHandlers.push(h),
  });
  return { bus, reconnect: () => reconnectHandlers.forEach((h) => h()), deliver: (c: DecisionChanges) => changeHandlers.forEach((h) => h(c)) };
}

const record = (seq: number, value: string): DecisionRecord => ({
  id: seq, uuid: 'u', alertId: 1, createdAt: Date.now(), until: Date.now() + 3_600_000, scenario: 's', type: 'ban',
  scope: 'Ip', value, origin: 'cscli', simulated: false, seq, ended: false,
});

describe('IndexSync', () => {
  it('survives a NATS reconnect while the database is down: the failed reconcile is logged, not left unhandled', async () => {
    const { bus, reconnect } = fakeNatsBus();
    let databaseUp = true;
    const decisions = {
      snapshot: async () => {
        if (!databaseUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return { head: 0, droppedUpTo: 0 };
      },
      head: async () => 0,
    } as unknown as DecisionsRepository;
    const sync = new IndexSync(bus, decisions);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const warn = jest.spyOn((sync as unknown as { logger: { warn: (m: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    try {
      await sync.onModuleInit();
      databaseUp = false;
      reconnect();
      await pollUntil(() => warn.mock.calls.length > 0 || unhandled.length > 0, 'the failed reconcile to surface');
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      expect(warn.mock.calls[0][0]).toMatch(/ECONNREFUSED/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      sync.onApplicationShutdown();
    }
  });

  it('rebuilds an index that finds itself ahead of the database (a forged message), dropping what never happened', async () => {
    const { bus, deliver } = fakeNatsBus();
    const stored = [record(1, '192.0.2.1'), record(2, '192.0.2.2')];
    const decisions = {
      snapshot: async (after: number, _keep: number, onChunk: (c: DecisionRecord[]) => void) => {
        onChunk(stored.filter((d) => d.seq > after));
        return { head: 2, droppedUpTo: 0 };
      },
      head: async () => 2,
    } as unknown as DecisionsRepository;
    const sync = new IndexSync(bus, decisions);
    jest.spyOn((sync as unknown as { logger: { warn: (m: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    try {
      await sync.onModuleInit();
      deliver({ fromSeq: 3, toSeq: 3, decisions: [record(3, '198.51.100.66')] });
      expect(sync.index.head).toBe(3);
      await pollUntil(() => sync.index.head === 2, 'the index to be rebuilt at the database head', { timeoutMs: 5000 });
      expect(sync.index.findActive({ ip: parseIp('198.51.100.66') }, Date.now(), true)).toEqual([]);
      expect(sync.index.findActive({ ip: parseIp('192.0.2.2') }, Date.now(), true)).toHaveLength(1);
    } finally {
      sync.onApplicationShutdown();
    }
  });

  it('keeps a right index when the database head arrives late: a busy replica moved on while it was asked (a rebuild put polls behind their cursors)', async () => {
    const { bus, deliver } = fakeNatsBus();
    let dbHead = 2;
    // Each head query answers what the database held when it was asked, when the test says so.
    const answers: (() => void)[] = [];
    const snapshots: number[] = [];
    const decisions = {
      snapshot: async (after: number, _keep: number, onChunk: (c: DecisionRecord[]) => void) => {
        snapshots.push(after);
        onChunk([record(1, '192.0.2.1'), record(2, '192.0.2.2')].filter((d) => d.seq > after));
        return { head: 2, droppedUpTo: 0 };
      },
      head: () => {
        const at = dbHead;
        return new Promise<number>((r) => answers.push(() => r(at)));
      },
    } as unknown as DecisionsRepository;
    const sync = new IndexSync(bus, decisions);
    const warn = jest.spyOn((sync as unknown as { logger: { warn: (m: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    const commit = (seq: number) => {
      dbHead = seq;
      deliver({ fromSeq: seq, toSeq: seq, decisions: [record(seq, `198.51.100.${seq}`)] });
    };
    try {
      await sync.onModuleInit();
      const index = sync.index;
      (sync as unknown as { checkHead(): void }).checkHead();
      commit(3);
      answers.shift()!();
      // Had it been taken for ahead, the rebuild's own check would be asked next; it races the same way.
      await new Promise((r) => setImmediate(r));
      commit(4);
      while (answers.length) answers.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(snapshots).toEqual([0]);
      expect(sync.index).toBe(index);
      expect(sync.index.head).toBe(4);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      sync.onApplicationShutdown();
    }
  });
});
