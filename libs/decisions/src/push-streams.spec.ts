import { AppConfig } from '@lapi/config';
import { DecisionsRepository } from '@lapi/db';
import { ViewableDecision } from '@lapi/decision-model';
import { DecisionsService } from './decisions.service';
import { IndexSync } from './index-sync';
import { PushStreams } from './push-streams';
import { StreamCursors } from './stream-cursors';

const NOW = 1_800_000_000_000;
const decision = (seq: number): ViewableDecision => ({
  id: seq, uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, until: NOW + 3_600_000, scenario: 'crowdsecurity/ssh-bf',
  type: 'ban', scope: 'Ip', value: `192.0.2.${seq}`, origin: 'crowdsec', simulated: false,
});

/** What a stream's socket was sent: each event's id. */
interface FakeStream {
  ids: number[];
}

/**
 * PushStreams with its collaborators faked: an index whose head the test moves, changes that are
 * one decision per sequence number, and streams whose sockets record the event ids written.
 */
function pushWith(streamCount: number, onWrite: (written: number) => void) {
  const index = { head: 2 };
  const sync = { index, onAdvance: () => () => undefined } as unknown as IndexSync;
  const decisions = {
    changes: async (_index: unknown, cursor: number, head: number) => ({ created: Array.from({ length: head - cursor }, (_, i) => decision(cursor + 1 + i)), ended: [], now: NOW }),
  } as unknown as DecisionsService;
  const push = new PushStreams(sync, decisions, {} as DecisionsRepository, {} as StreamCursors, { pushHeartbeatMs: 60_000 } as AppConfig);
  const fakes: FakeStream[] = [];
  let written = 0;
  const streams = (push as unknown as { streams: Set<unknown> }).streams;
  for (let i = 0; i < streamCount; i++) {
    const fake: FakeStream = { ids: [] };
    fakes.push(fake);
    const socket = {
      destroyed: false,
      write(bytes: Buffer, done: (e?: Error) => void) {
        fake.ids.push(Number(/^id: (\d+)/.exec(bytes.toString())![1]));
        done();
        onWrite(++written);
        return true;
      },
    };
    streams.add({ bouncerId: i, filter: {}, dedup: true, filterKey: 'all', cursor: 1, flushed: 1, pending: 0, raw: { destroyed: false }, socket, chunked: false, blocked: false, lastWriteAt: 0 });
  }
  const flush = () => (push as unknown as { flush(): Promise<void> }).flush();
  return { index, fakes, flush };
}

describe('PushStreams rounds', () => {
  it('sends the streams a round has not reached yet a change that came during the round, in the same event', async () => {
    let index: { head: number } | undefined;
    // The change commits while the first slice of 500 is being written.
    const push = pushWith(1200, (written) => {
      if (written === 100) index!.head = 3;
    });
    index = push.index;
    await push.flush();
    // The first slice got the round's first head; the rest of the round took the change with it.
    expect(push.fakes.slice(0, 500).every((f) => f.ids.join() === '2')).toBe(true);
    expect(push.fakes.slice(500).every((f) => f.ids.join() === '3')).toBe(true);
    // The next round brings the first slice up to the change, once.
    await push.flush();
    expect(push.fakes.slice(0, 500).every((f) => f.ids.join() === '2,3')).toBe(true);
    expect(push.fakes.slice(500).every((f) => f.ids.join() === '3')).toBe(true);
  });
});
