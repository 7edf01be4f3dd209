import { NatsBus } from '@lapi/bus';
import { DecisionsRepository } from '@lapi/db';
import { pollUntil } from '@lapi/testing';
import { IndexSync } from './index-sync';

/** A NatsBus whose reconnect the test triggers by hand. */
function fakeNatsBus() {
  const reconnectHandlers: (() => void)[] = [];
  const bus = Object.assign(Object.create(NatsBus.prototype) as NatsBus, {
    onDecisionChanges: () => () => undefined,
    onReconnect: (h: () => void) => reconnectHandlers.push(h),
  });
  return { bus, reconnect: () => reconnectHandlers.forEach((h) => h()) };
}

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
});
