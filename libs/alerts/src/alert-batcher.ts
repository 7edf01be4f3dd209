import { Injectable, Logger } from '@nestjs/common';
import { AlertsRepository, NewAlert, NewDecision } from '@lapi/db';
import { isUnavailable, unavailable } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DecisionWriter } from '@lapi/decisions';
import { DecisionChanges } from '@lapi/decision-model';

/** Above this many alerts a waiting push goes into the following transaction instead. */
const MAX_ALERTS_PER_TRANSACTION = 1000;
/** Pushes waiting for a transaction; past this the database is not keeping up, and agents are told to retry. */
const MAX_QUEUED_PUSHES = 5000;

interface PendingPush {
  alerts: NewAlert[];
  decisions: NewDecision[][];
  done(ids: string[]): void;
  fail(e: unknown): void;
  /** Refuses it if it is still queued when LAPI_DB_TIMEOUT has passed. */
  timer: NodeJS.Timeout;
}

/**
 * Group commit for agent pushes. Every push takes the change_head row lock (it numbers the
 * decisions) and waits for its own fsync, so one transaction per push made concurrent agents
 * queue behind each other. Pushes that arrive while a transaction runs now share the next one;
 * each is answered only once that transaction is committed and published.
 */
@Injectable()
export class AlertBatcher {
  private readonly queue: PendingPush[] = [];
  private draining = false;
  private readonly logger = new Logger('AlertBatcher');

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly decisions: DecisionWriter,
    private readonly config: AppConfig,
  ) {}

  /** Resolves with the new alert ids once they are committed and their decisions published. */
  insert(alerts: NewAlert[], decisions: NewDecision[][]): Promise<string[]> {
    if (this.queue.length >= MAX_QUEUED_PUSHES) return Promise.reject(unavailable(`${MAX_QUEUED_PUSHES} alert pushes are waiting for the database: retry later`));
    return new Promise((done, fail) => {
      // A transaction stuck on an unreachable database holds the queue until its own timeouts
      // fail it: a push still waiting its turn after LAPI_DB_TIMEOUT is refused, never written.
      const push: PendingPush = { alerts, decisions, done, fail, timer: setTimeout(() => this.expire(push), this.config.dbTimeoutMs) };
      this.queue.push(push);
      // drain() answers every push itself; it only rejects on a bug, which must not go unnoticed.
      if (!this.draining) this.drain().catch((e: Error) => this.logger.error(`alert batcher stopped: ${e.stack}`));
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.commit(this.takeBatch());
    } finally {
      this.draining = false;
    }
  }

  private expire(push: PendingPush): void {
    const at = this.queue.indexOf(push);
    if (at < 0) return;
    this.queue.splice(at, 1);
    push.fail(unavailable('database busy: this push waited LAPI_DB_TIMEOUT for its turn, retry later'));
  }

  private takeBatch(): PendingPush[] {
    let alerts = this.queue[0].alerts.length;
    let n = 1;
    while (n < this.queue.length && alerts + this.queue[n].alerts.length <= MAX_ALERTS_PER_TRANSACTION) alerts += this.queue[n++].alerts.length;
    const batch = this.queue.splice(0, n);
    for (const push of batch) clearTimeout(push.timer);
    return batch;
  }

  private async commit(batch: PendingPush[]): Promise<void> {
    let inserted: { alertIds: string[]; changes?: DecisionChanges };
    try {
      inserted = await this.alerts.insertWithDecisions(
        batch.flatMap((p) => p.alerts),
        batch.flatMap((p) => p.decisions),
      );
    } catch (e) {
      // A slow or unreachable database fails the whole batch: one try each would multiply the wait.
      if (batch.length === 1 || isUnavailable(e)) return batch.forEach((p) => p.fail(e));
      // One push the database refuses must not fail the others it shared a transaction with.
      for (const push of batch) await this.commit([push]);
      return;
    }
    // Committed: the answer stands. publish() logs a failure and leaves it to every replica's head check.
    await this.decisions.publish(inserted.changes);
    let next = 0;
    for (const push of batch) push.done(inserted.alertIds.slice(next, (next += push.alerts.length)));
  }
}
