import { Injectable, Logger } from '@nestjs/common';
import { BouncersRepository, CursorTake } from '@lapi/db';
import { unavailable } from '@lapi/common';

/** How long a reply has to be confirmed before the next poll sends it again. */
export const CONFIRM_WITHIN_MS = 3000;
/** Polls in one statement; more wait for the next. */
const MAX_POLLS_PER_BATCH = 2000;
/** Polls waiting for the database; past this it is not keeping up, and bouncers are told to retry. */
const MAX_QUEUED_POLLS = 20_000;

interface PendingTake {
  id: number;
  startup: boolean;
  head: number;
  deliveryId: number;
  done(t: CursorTake | undefined): void;
  fail(e: unknown): void;
}

interface PendingConfirm {
  id: number;
  deliveryId: number;
  done(): void;
  fail(e: unknown): void;
}

/**
 * Group commit for stream cursors. Each poll moves its bouncer's cursor and each reply that got
 * out confirms its delivery; one statement each did that for one bouncer, so Postgres did two
 * commits per poll and a fleet's polls queued on the pool. Polls (and confirmations) that arrive
 * while a batch runs now share the next one: a poll costs one row update in a shared statement.
 * Confirmations go first, so a bouncer's next poll finds its previous reply confirmed.
 */
@Injectable()
export class StreamCursors {
  private takes: PendingTake[] = [];
  private confirms: PendingConfirm[] = [];
  private advances = new Map<number, number>();
  private draining = false;
  private readonly logger = new Logger('StreamCursors');

  constructor(private readonly bouncers: BouncersRepository) {}

  /** Moves a bouncer's cursor for a poll answered up to `head`; undefined when the bouncer is gone. */
  take(id: number, startup: boolean, head: number, deliveryId: number): Promise<CursorTake | undefined> {
    if (this.takes.length >= MAX_QUEUED_POLLS) return Promise.reject(unavailable(`${MAX_QUEUED_POLLS} stream polls are waiting for the database: retry later`));
    return new Promise((done, fail) => {
      this.takes.push({ id, startup, head, deliveryId, done, fail });
      this.kick();
    });
  }

  /** A reply is out: its delivery is done. */
  confirm(id: number, deliveryId: number): Promise<void> {
    return new Promise((done, fail) => {
      this.confirms.push({ id, deliveryId, done, fail });
      this.kick();
    });
  }

  /** A push stream ended at `seq`: the bouncer's cursor moves there (in the next batch; failures are logged). */
  advance(id: number, seq: number): void {
    this.advances.set(id, Math.max(seq, this.advances.get(id) ?? 0));
    this.kick();
  }

  private kick(): void {
    // drain() settles every promise itself; it only rejects on a bug, which must not go unnoticed.
    if (!this.draining) this.drain().catch((e: Error) => this.logger.error(`stream cursor batcher stopped: ${e.stack}`));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.takes.length > 0 || this.confirms.length > 0 || this.advances.size > 0) {
        if (this.confirms.length > 0) await this.runConfirms(this.confirms.splice(0));
        if (this.advances.size > 0) await this.runAdvances();
        if (this.takes.length > 0) await this.runTakes(this.nextTakes());
      }
    } finally {
      this.draining = false;
    }
  }

  /** One poll per bouncer in a statement (a row is updated once per statement); a second waits for the next. */
  private nextTakes(): PendingTake[] {
    const ids = new Set<number>();
    const batch: PendingTake[] = [];
    const rest: PendingTake[] = [];
    for (const t of this.takes) {
      if (batch.length < MAX_POLLS_PER_BATCH && !ids.has(t.id)) {
        ids.add(t.id);
        batch.push(t);
      } else rest.push(t);
    }
    this.takes = rest;
    return batch;
  }

  private async runConfirms(batch: PendingConfirm[]): Promise<void> {
    try {
      await this.bouncers.confirmDeliveries(batch);
    } catch (e) {
      return batch.forEach((c) => c.fail(e));
    }
    batch.forEach((c) => c.done());
  }

  private async runAdvances(): Promise<void> {
    const batch = [...this.advances].map(([id, seq]) => ({ id, seq }));
    this.advances.clear();
    await this.bouncers.advanceCursors(batch).catch((e: Error) => this.logger.warn(`push stream cursors not recorded: ${e.message}`));
  }

  private async runTakes(batch: PendingTake[]): Promise<void> {
    let taken: CursorTake[];
    try {
      taken = await this.bouncers.takeCursors(batch, CONFIRM_WITHIN_MS);
    } catch (e) {
      return batch.forEach((t) => t.fail(e));
    }
    const byId = new Map(taken.map((t) => [t.id, t]));
    for (const t of batch) t.done(byId.get(t.id));
  }
}
