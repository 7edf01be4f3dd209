import { Injectable } from '@nestjs/common';
import { BouncerIdentity } from '@lapi/common';
import { BouncersRepository, DecisionFilter, DecisionsRepository } from '@lapi/db';
import { Readable } from 'node:stream';
import { DecisionJsonWriter } from './decision-json';
import { ViewableDecision } from './decision-view';
import { IndexSync } from './index-sync';

/** What bouncers read: lookups and the stream, from this replica's in-memory index. */
@Injectable()
export class DecisionsService {
  private readonly savingCursor = new Map<number, Promise<void>>();

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
   * this replica's head, and the cursor only moves forward, so polls landing on different
   * replicas neither lose nor repeat a decision.
   */
  async stream(bouncer: BouncerIdentity, startup: boolean, filter: DecisionFilter, dedup = true): Promise<{ body: Readable; delivered: () => Promise<void> }> {
    const index = this.sync.index;
    // A reply of ours whose cursor is still being saved: wait, or this poll would repeat it.
    await this.savingCursor.get(bouncer.id);
    const cursor = startup ? 0 : ((await this.bouncers.readCursor(bouncer.id)) ?? Number(bouncer.lastSeq));
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
    return { body: new DecisionJsonWriter(now).stream(created, ended), delivered: () => this.saveCursor(bouncer.id, head) };
  }

  /**
   * Called once a reply has been handed to the network. Saving the cursor only then means a
   * replica that dies mid-reply makes the bouncer get those decisions again rather than never:
   * a repeated ban is harmless, a lost one is not.
   */
  private saveCursor(bouncerId: number, head: number): Promise<void> {
    const saving = this.bouncers.advanceCursor(bouncerId, head);
    const settled: Promise<void> = saving.catch(() => undefined).then(() => {
      if (this.savingCursor.get(bouncerId) === settled) this.savingCursor.delete(bouncerId);
    });
    this.savingCursor.set(bouncerId, settled);
    return saving;
  }
}
