import { Injectable } from '@nestjs/common';
import { AppConfig } from '@lapi/config';

/** Counts failed logins per client address in a sliding window, so password guessing is slowed down. */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly config: AppConfig) {}

  /** Milliseconds until this address may try again, or 0 when it may try now. */
  retryAfter(ip: string, now = Date.now()): number {
    const recent = this.recent(ip, now);
    if (recent.length < this.config.loginMaxFailures) return 0;
    return recent[0] + this.config.loginFailureWindowMs - now;
  }

  recordFailure(ip: string, now = Date.now()): void {
    const recent = this.recent(ip, now);
    recent.push(now);
    this.failures.set(ip, recent);
    if (this.failures.size > 100_000) this.prune(now);
  }

  recordSuccess(ip: string): void {
    this.failures.delete(ip);
  }

  private recent(ip: string, now: number): number[] {
    return (this.failures.get(ip) ?? []).filter((t) => now - t < this.config.loginFailureWindowMs);
  }

  private prune(now: number): void {
    for (const ip of this.failures.keys()) if (this.recent(ip, now).length === 0) this.failures.delete(ip);
  }
}
