import { Injectable } from '@nestjs/common';
import { BouncerIdentity } from '@lapi/common';
import { BouncersRepository, DecisionFilter, DecisionsRepository } from '@lapi/db';
import { DecisionView, ViewableDecision, toDecisionView } from './decision-view';
import { IndexSync } from './index-sync';

export interface StreamReply {
  new: DecisionView[] | null;
  deleted: DecisionView[] | null;
}

/** What bouncers read: lookups and the stream, from this replica's in-memory index. */
@Injectable()
export class DecisionsService {
  constructor(
    private readonly sync: IndexSync,
    private readonly decisions: DecisionsRepository,
    private readonly bouncers: BouncersRepository,
  ) {}

  /** GET /v1/decisions: active decisions from memory; upstream answers null for none. */
  find(filter: DecisionFilter, dedup: boolean): DecisionView[] | null {
    const now = Date.now();
    const found = this.sync.index.findActive(filter, now, dedup);
    return found.length ? found.map((d) => toDecisionView(d, now)) : null;
  }

  /**
   * GET /v1/decisions/stream for one bouncer host. The delta runs from the bouncer's cursor to
   * this replica's head, and the cursor only moves forward, so polls landing on different
   * replicas neither lose nor repeat a decision.
   */
  async stream(bouncer: BouncerIdentity, startup: boolean, filter: DecisionFilter, dedup = true): Promise<StreamReply> {
    const index = this.sync.index;
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
    await this.bouncers.advanceCursor(bouncer.id, head);
    return {
      new: created.map((d) => toDecisionView(d, now)),
      deleted: ended.map((d) => toDecisionView(d, now)),
    };
  }
}
