import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Bus } from '@lapi/bus';
import { BouncerIdentity, DecisionRecord, notFound } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { BouncersRepository, DecisionChanges, DecisionFilter, DecisionsRepository } from '@lapi/db';
import { DecisionView, toDecisionView } from './decision-view';
import { IndexSync } from './index-sync';

/** How often decisions whose time ran out are recorded as ended. */
const SWEEP_EVERY_MS = 1000;

export interface StreamReply {
  new: DecisionView[] | null;
  deleted: DecisionView[] | null;
}

@Injectable()
export class DecisionsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Decisions');
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly sync: IndexSync,
    private readonly decisions: DecisionsRepository,
    private readonly bouncers: BouncersRepository,
    private readonly bus: Bus,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.serveDecisions) return;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

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
    let created: DecisionRecord[];
    let ended: DecisionRecord[];
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

  /** DELETE /v1/decisions: ends matching decisions; returns how many. */
  async deleteByFilter(filter: DecisionFilter): Promise<number> {
    const changes = await this.decisions.endByFilter(filter);
    await this.publish(changes);
    return changes?.decisions.length ?? 0;
  }

  async deleteById(id: number): Promise<number> {
    const changes = await this.decisions.endById(id);
    if (!changes) throw notFound(`decision ${id} not found or already expired`);
    await this.publish(changes);
    return changes.decisions.length;
  }

  async publish(changes: DecisionChanges | undefined): Promise<void> {
    if (changes) await this.bus.publishDecisionChanges(changes);
  }

  /** Records the end of decisions whose time ran out, so bouncers hear of them. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.publish(await this.decisions.sweepExpired());
    } catch (e) {
      this.logger.warn(`expiry sweep failed: ${(e as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
