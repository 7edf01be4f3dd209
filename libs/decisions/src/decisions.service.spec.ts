import { BouncersRepository, CursorTake, DecisionsRepository } from '@lapi/db';
import { DecisionRecord } from '@lapi/decision-model';
import { text } from 'node:stream/consumers';
import { DecisionIndex } from './decision-index';
import { DecisionsService } from './decisions.service';
import { IndexSync } from './index-sync';
import { StreamCursors } from './stream-cursors';

const record = (seq: number): DecisionRecord => ({
  id: seq, uuid: 'u', alertId: 1, createdAt: Date.now(), until: Date.now() + 3_600_000, scenario: 's', type: 'ban',
  scope: 'Ip', value: `192.0.2.${seq}`, origin: 'crowdsec', simulated: false, seq, ended: false,
});

const indexAt = (head: number) => {
  const index = new DecisionIndex();
  index.loadSnapshot({ head, decisions: Array.from({ length: head }, (_, i) => record(i + 1)), droppedUpTo: 0 });
  return index;
};

describe('DecisionsService.stream', () => {
  it('answers a poll from the index its head came from, when a rebuilt one behind that head is swapped in while the cursor moves', async () => {
    const sync = { index: indexAt(5) } as unknown as IndexSync;
    const cursors = {
      // The cursor moves to the head the poll read (5); meanwhile the replica swaps in an index at 3.
      take: async (): Promise<CursorTake> => {
        sync.index = indexAt(3);
        return { id: 1, outcome: 'started', from: 2 };
      },
      confirm: async () => undefined,
    } as unknown as StreamCursors;
    const service = new DecisionsService(sync, {} as DecisionsRepository, {} as BouncersRepository, cursors);

    const reply = await service.stream({ id: 1, name: 'b', lastSeq: '2' }, false, {});

    expect(reply.upTo).toBe(5);
    const body = JSON.parse(Buffer.isBuffer(reply.body) ? reply.body.toString() : await text(reply.body)) as { new: { value: string }[] };
    expect(body.new.map((d) => d.value)).toEqual(['192.0.2.3', '192.0.2.4', '192.0.2.5']);
  });
});
