/** Raised when the session could not be had within the wait bound. */
export class SessionWaitTimeout extends Error {
  override name = 'SessionWaitTimeout';
}

interface Waiter<T> {
  who: T;
  granted(): void;
  refused(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * First come, first served ownership of the embedded database's one session, with a bound on
 * the wait. An owner keeps it from its first message to the end of its transaction.
 */
export class SessionGate<T> {
  private owner: T | undefined;
  private readonly waiters: Waiter<T>[] = [];

  holds(who: T): boolean {
    return this.owner === who;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(who: T, timeoutMs: number): Promise<void> {
    if (this.owner === who) return Promise.resolve();
    if (this.owner === undefined && this.waiters.length === 0) {
      this.owner = who;
      return Promise.resolve();
    }
    return new Promise((granted, refused) => {
      const waiter: Waiter<T> = {
        who,
        granted,
        refused,
        timer: setTimeout(() => {
          this.drop(waiter);
          refused(new SessionWaitTimeout(`waited ${timeoutMs} ms for the embedded database`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(who: T): void {
    if (this.owner !== who) return;
    this.owner = undefined;
    const next = this.waiters.shift();
    if (!next) return;
    clearTimeout(next.timer);
    this.owner = next.who;
    next.granted();
  }

  /** A waiter that went away (its connection closed) stops waiting. */
  forget(who: T): void {
    for (const w of this.waiters.filter((w) => w.who === who)) {
      this.drop(w);
      w.refused(new Error('connection closed'));
    }
  }

  private drop(waiter: Waiter<T>): void {
    clearTimeout(waiter.timer);
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}
