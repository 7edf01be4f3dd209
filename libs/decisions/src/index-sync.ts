import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { Bus, NatsBus } from '@lapi/bus';
import { HealthRegistry, fanoutLag, indexHead, indexSize, reconciles } from '@lapi/common';
import { DecisionsRepository } from '@lapi/db';
import { DecisionChanges } from '@lapi/decision-model';
import { DecisionIndex } from './decision-index';

/** Ended decisions kept in memory so stream deltas rarely need the database. */
export const KEEP_ENDED_MS = 3_600_000;
/** How long a gap in the change sequence may stay open before the database is asked. */
const GAP_GRACE_MS = 100;
/** How often the database head is compared with ours (catches changes made by other processes). */
const HEAD_CHECK_MS = 1000;
const EVICT_EVERY_MS = 60_000;

/**
 * Keeps this replica's DecisionIndex equal to the database: built from a snapshot at start,
 * fed by the bus, and reconciled from the database whenever it notices it missed something.
 */
@Injectable()
export class IndexSync implements OnModuleInit, OnApplicationShutdown {
  /** Replaced whole when it is found ahead of the database; read it anew on each use. */
  index = new DecisionIndex();
  private readonly logger = new Logger('DecisionIndex');
  private timers: NodeJS.Timeout[] = [];
  private gapTimer?: NodeJS.Timeout;
  private reconciling?: Promise<void>;
  private rebuilding?: Promise<void>;
  private unsubscribe?: () => void;
  ready = false;
  private readonly advanceListeners = new Set<() => void>();

  constructor(
    private readonly bus: Bus,
    private readonly decisions: DecisionsRepository,
    @Optional() health?: HealthRegistry,
  ) {
    health?.register('index', () => this.ready && !this.index.hasGap);
  }

  async onModuleInit(): Promise<void> {
    // Subscribe first: whatever arrives while the snapshot loads queues behind it.
    this.unsubscribe = this.bus.onDecisionChanges((c) => this.receive(c));
    // The database may be down as well when NATS comes back: a failed reconcile is retried by the head check.
    if (this.bus instanceof NatsBus) this.bus.onReconnect(() => this.reconcileLogged('after a NATS reconnect'));
    await this.reconcile();
    this.ready = true;
    this.logger.log(`loaded ${this.index.size} active decisions at change ${this.index.head}`);
    this.timers.push(setInterval(() => this.checkHead(), HEAD_CHECK_MS));
    this.timers.push(setInterval(() => this.index.evictEnded(Date.now(), KEEP_ENDED_MS), EVICT_EVERY_MS));
    for (const t of this.timers) t.unref();
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    if (this.gapTimer) clearTimeout(this.gapTimer);
  }

  private receive(changes: DecisionChanges): void {
    const result = this.index.apply(changes);
    if (result === 'gap') this.scheduleGapCheck();
    if (result === 'applied') {
      const now = Date.now();
      for (const d of changes.decisions) if (!d.ended) fanoutLag.observe(Math.max(0, now - d.createdAt) / 1000);
      this.updateGauges();
    }
  }

  /** Called (synchronously, so keep it short) each time the index may have moved: push streams follow it. */
  onAdvance(listener: () => void): () => void {
    this.advanceListeners.add(listener);
    return () => this.advanceListeners.delete(listener);
  }

  /** Resolves once the index head is past `seq`, or after `ms`. */
  waitPast(seq: number, ms: number): Promise<void> {
    if (this.index.head > seq) return Promise.resolve();
    return new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        stop();
        done();
      };
      const timer = setTimeout(finish, ms);
      const stop = this.onAdvance(() => {
        if (this.index.head > seq) finish();
      });
    });
  }

  private updateGauges(): void {
    indexSize.set(this.index.size);
    indexHead.set(this.index.head);
    for (const l of this.advanceListeners) l();
  }

  /** Loads from the database everything after our head; concurrent calls share one run. */
  reconcile(): Promise<void> {
    this.reconciling ??= (async () => {
      try {
        const { head, droppedUpTo } = await this.decisions.snapshot(this.index.head, KEEP_ENDED_MS, (chunk) => this.index.loadChunk(chunk));
        this.index.finishSnapshot(head, droppedUpTo);
        reconciles.inc();
        this.updateGauges();
      } finally {
        this.reconciling = undefined;
      }
    })();
    return this.reconciling;
  }

  /**
   * The database is the truth: an index ahead of it (a forged or foreign bus message, a restored
   * database) holds changes that never happened, so it is dropped and loaded afresh.
   */
  rebuildWhenAhead(): void {
    if (this.rebuilding) return;
    this.rebuilding = (async () => {
      try {
        await this.reconciling?.catch(() => undefined);
        const ours = this.index.head;
        if ((await this.decisions.head()) >= ours) return;
        this.logger.warn(`index head ${ours} is ahead of the database: rebuilding`);
        // Loaded aside and swapped in whole: lookups never see a half-empty index.
        const fresh = new DecisionIndex();
        const { head, droppedUpTo } = await this.decisions.snapshot(0, KEEP_ENDED_MS, (chunk) => fresh.loadChunk(chunk));
        fresh.finishSnapshot(head, droppedUpTo);
        this.index = fresh;
        reconciles.inc();
        this.updateGauges();
      } finally {
        this.rebuilding = undefined;
      }
    })();
    this.rebuilding.catch((e: Error) => this.logger.warn(`rebuild failed: ${e.message}`));
  }

  /** A reconcile nobody awaits: its failure is logged, never left unhandled. */
  private reconcileLogged(why: string): void {
    this.reconcile().catch((e: Error) => this.logger.warn(`reconcile ${why} failed: ${e.message}`));
  }

  private scheduleGapCheck(): void {
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.index.hasGap) this.reconcileLogged('of a gap');
    }, GAP_GRACE_MS);
  }

  /**
   * Our head is read before the database's: a change reaches us only once committed, so the
   * database is at least there. Read after the answer, our head may have moved past it (on a
   * busy replica the answer comes late) and an index that is right would look ahead and be
   * rebuilt behind the cursors polls had just moved.
   */
  private checkHead(): void {
    const ours = this.index.head;
    this.decisions
      .head()
      .then((head) => {
        if (head > this.index.head) return this.reconcile();
        if (head < ours) this.rebuildWhenAhead();
      })
      .catch((e: Error) => this.logger.warn(`head check failed: ${e.message}`));
  }
}
