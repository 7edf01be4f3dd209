import { Injectable } from '@nestjs/common';
import { BouncerIdentity, unavailable } from '@lapi/common';
import { BouncersRepository, DecisionsRepository } from '@lapi/db';
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { DecisionFilter, ViewableDecision } from '@lapi/decision-model';
import { DecisionIndex } from './decision-index';
import { DecisionJsonWriter } from './decision-json';
import { IndexSync } from './index-sync';
import { StreamCursors } from './stream-cursors';

const nothingToRecord = async () => undefined;

/** A poll that may wait `ms` for something to send; `gone` tells that the client left meanwhile. */
export interface LongPoll {
  ms: number;
  gone(): boolean;
}

export interface StreamReply {
  /** One buffer, or a stream of them for a large reply (DecisionJsonWriter.stream). */
  body: Buffer | Readable;
  /** The change the reply runs to: the bouncer's cursor once it is delivered. */
  upTo: number;
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
    private readonly cursors: StreamCursors,
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
   * Cursor moves and confirmations of many polls share one statement (StreamCursors).
   */
  async stream(bouncer: BouncerIdentity, startup: boolean, filter: DecisionFilter, dedup = true, wait?: LongPoll): Promise<StreamReply> {
    let waitUntil = wait ? Date.now() + wait.ms : 0;
    for (;;) {
      // The index the head was read from answers the poll: the replica may swap in a rebuilt one
      // meanwhile, whose head can be behind the one the cursor is about to move to.
      const index = this.sync.index;
      const head = index.head;
      const deliveryId = randomInt(1, 2 ** 31 - 1);
      const taken = await this.cursors.take(bouncer.id, startup, head, deliveryId);
      // The bouncer was deleted meanwhile: answer from what we knew, record nothing.
      if (!taken) return { body: await this.reply(index, startup ? 0 : Number(bouncer.lastSeq), head, filter, dedup), upTo: head, delivered: nothingToRecord, failed: nothingToRecord };
      switch (taken.outcome) {
        case 'busy':
          // Its previous reply is being confirmed (milliseconds), or will be overdue within seconds.
          await new Promise((r) => setTimeout(r, 5));
          continue;
        case 'ahead':
          this.sync.rebuildWhenAhead();
          throw unavailable('this replica is ahead of the database and is reloading; retry');
        case 'nothing':
          // A long poll: nothing new yet, so wait for the index to move past the cursor (no database
          // work meanwhile), then take the cursor again. Answered empty at the end of the wait.
          if (wait && Date.now() < waitUntil && !wait.gone()) {
            await this.sync.waitPast(taken.from, waitUntil - Date.now());
            if (!wait.gone()) {
              waitUntil = 0;
              continue;
            }
          }
          return { body: await this.reply(index, taken.from, head, filter, dedup), upTo: Math.max(head, taken.from), delivered: nothingToRecord, failed: nothingToRecord };
        case 'started':
          return {
            body: await this.reply(index, taken.from, head, filter, dedup),
            upTo: head,
            delivered: () => this.cursors.confirm(bouncer.id, deliveryId),
            failed: () => this.bouncers.failDelivery(bouncer.id, deliveryId),
          };
      }
    }
  }

  /**
   * The changes after `cursor` up to `head` (the head the cursor was moved to). A delta stops at
   * `head` by itself; everything active (cursor 0) is read now, so what came after `head` while
   * the cursor moved is left out of it: the next poll's delta carries it.
   */
  private async reply(index: DecisionIndex, cursor: number, head: number, filter: DecisionFilter, dedup: boolean): Promise<Buffer | Readable> {
    const { created, ended, now } = await this.changes(index, cursor, head, filter, dedup);
    return new DecisionJsonWriter(now).stream(created, ended);
  }

  /**
   * What a bouncer at `cursor` is told to bring it to `head` (see `reply`), from `index`, the one
   * `head` was read from (it holds every change up to it); from memory when it reaches back that far.
   */
  async changes(index: DecisionIndex, cursor: number, head: number, filter: DecisionFilter, dedup: boolean): Promise<{ created: ViewableDecision[]; ended: ViewableDecision[]; now: number }> {
    const now = Date.now();
    let created: ViewableDecision[];
    let ended: ViewableDecision[];
    if (cursor === 0) {
      // First poll of a bouncer (or startup=true): everything active, plus recent ends.
      const upToHead = (d: { seq: number }) => index.head <= head || d.seq <= head;
      created = index.findActive(filter, now, dedup).filter(upToHead);
      ended = index.findRecentlyEnded(filter, now).filter(upToHead);
    } else {
      const fromMemory = index.delta(cursor, head, filter, now, dedup);
      ({ created, ended } = fromMemory ?? index.classify(await this.decisions.changedBetween(cursor, head), filter, Date.now(), dedup));
    }
    return { created, ended, now };
  }
}
