import { Logger } from '@nestjs/common';

/**
 * A background job repeated every `everyMs` (alert retention, fleet clean-up, the expiry sweep,
 * notification delivery): one run at a time, so a slow run is never overlapped by the next; a
 * failure is logged as a warning and the job tries again at the next interval; the timer never
 * keeps the process alive, and stops with it.
 */
export class RepeatingJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly what: string,
    private readonly everyMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    // runNow() logs its failures and never rejects.
    this.timer ??= setInterval(() => this.runNow().catch(() => undefined), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs the job now, or waits for the run under way. Never rejects: failures are logged. */
  runNow(): Promise<void> {
    this.running ??= this.run()
      .then(
        () => undefined,
        (e: Error) => this.logger.warn(`${this.what} failed: ${e.message}`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
