import { Injectable } from '@nestjs/common';
import { BouncerIdentity, unavailable } from '@lapi/common';
import { BouncersRepository, DecisionsRepository } from '@lapi/db';
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { DecisionFilter, ViewableDecision } from '@lapi/decision-model';
import { DecisionJsonWriter } from './decision-json';
import { IndexSync } from './index-sync';

/** How long a reply has to be confirmed before the next poll sends it again. */
const CONFIRM_WITHIN_MS = 3000;

export interface StreamReply {
  body: Readable;
  /** The reply is out: confirm the delivery. */
  delivered(): Promise<void>;
  /** The reply did not get out: the next poll sends it again. */
  failed(): Promise<void>;
}

/** What bouncers read: lookups and the stream, from this replica's in-memory index. */
@Injectable()
export class DecisionsService {
  constructor(
    private readonly sync: IndexSync,
    private readonly decisions: DecisionsRepository,
    private readonly bouncers: BouncersRepository,
  ) {}

  /** GET /v1/decisions as JSON text: active decisions from memory; upstream answers null for none. */
  find(filter: DecisionFilter, dedup: boolean): string {
    const now = Date.now();
    return new DecisionJsonWriter(now).array(this.sync.index.findActive(filter, now, dedup), true);
  }

  /**
   * GET /v1/decisions/stream for one bouncer host. The delta runs from the bouncer's cursor to
   * this replica's head. The cursor moves before the reply goes out, so a poll landing on another
   * replica right after never repeats it; the delivery is confirmed once the reply is out, and
   * one left unconfirmed (a replica died mid-reply, or the client went away) is sent again.
   */
  async stream(bouncer: BouncerIdentity, startup: boolean, filter: DecisionFilter, dedup = true): Promise<StreamReply> {
    for (;;) {
      const read = await this.cursorOf(bouncer);
      const cursor = startup ? 0 : (read ?? Number(bouncer.lastSeq));
      const { body, head } = await this.reply(cursor, filter, dedup);
      if (read === undefined) return { body, delivered: async () => undefined, failed: async () => undefined };
      if (head <= cursor) {
        await this.bouncers.recordPullOnly(bouncer.id);
        return { body, delivered: async () => undefined, failed: async () => undefined };
      }
      const deliveryId = randomInt(1, 2 ** 31 - 1);
      const started = await this.bouncers.startDelivery(bouncer.id, read, cursor, head, deliveryId, CONFIRM_WITHIN_MS);
      if (started === 'ahead') {
        this.sync.rebuildWhenAhead();
        throw unavailable('this replica is ahead of the database and is reloading; retry');
      }
      // 'raced': another poll with this key moved the cursor since we read it; answer from where it left it.
      if (started === 'started') {
        return {
          body,
          delivered: () => this.bouncers.confirmDelivery(bouncer.id, deliveryId),
          failed: () => this.bouncers.failDelivery(bouncer.id, deliveryId),
        };
      }
    }
  }

  /** The delta from `cursor` to this replica's head. */
  private async reply(cursor: number, filter: DecisionFilter, dedup: boolean): Promise<{ body: Readable; head: number }> {
    const index = this.sync.index;
    // From here to the delta nothing awaits, so the delta and the head it runs to agree.
    const now = Date.now();
    const head = index.head;
    let created: ViewableDecision[];
    let ended: ViewableDecision[];
    if (cursor === 0) {
      // First poll of a bouncer (or startup=true): everything active, plus recent ends.
      created = index.findActive(filter, now, dedup);
      ended = index.findRecentlyEnded(filter, now);
    } else {
      const fromMemory = index.delta(cursor, head, filter, now, dedup);
      ({ created, ended } = fromMemory ?? index.classify(await this.decisions.changedBetween(cursor, head), filter, Date.now(), dedup));
    }
    return { body: new DecisionJsonWriter(now).stream(created, ended), head };
  }

  /**
   * The cursor to answer from. While a previous reply is still unconfirmed, wait for it (it is
   * confirmed within milliseconds of going out); if it never is, send it again from its start.
   */
  private async cursorOf(bouncer: BouncerIdentity): Promise<number | undefined> {
    for (;;) {
      const state = await this.bouncers.readCursor(bouncer.id);
      if (!state) return undefined;
      if (!state.delivering) return state.seq;
      if (state.delivering.expired) {
        await this.bouncers.resumeFrom(bouncer.id, state.delivering.from);
        continue;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
