import { Injectable } from '@nestjs/common';
import { parseCidr, parseIp } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { LoginAttemptsRepository } from '@lapi/db';

/** Expired windows are dropped once every this many attempts (the table only holds recent keys). */
const PRUNE_EVERY = 1000;

/**
 * Limits password guesses per machine id and client address (a /64 for IPv6, which one host
 * usually holds whole). Keyed on both, so agents behind the same NAT as a guesser still log in.
 * Every attempt is counted, in the database, before the password is checked: concurrent guesses
 * on any replica cannot all slip under the limit. A success starts the count afresh.
 */
@Injectable()
export class LoginThrottle {
  private attemptsSincePrune = 0;

  constructor(
    private readonly attempts: LoginAttemptsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Counts this attempt; milliseconds to wait when it is over the limit, 0 when it may proceed. */
  async attempt(machineId: string, ip: string): Promise<number> {
    if (++this.attemptsSincePrune >= PRUNE_EVERY) {
      this.attemptsSincePrune = 0;
      await this.attempts.prune(this.config.loginFailureWindowMs);
    }
    const { attempts, windowEndsAt } = await this.attempts.count(throttleKey(machineId, ip), this.config.loginFailureWindowMs);
    return attempts > this.config.loginMaxFailures ? Math.max(1, windowEndsAt - Date.now()) : 0;
  }

  recordSuccess(machineId: string, ip: string): Promise<void> {
    return this.attempts.clear(throttleKey(machineId, ip));
  }
}

/** `machine id` + the client's address, or its /64 for IPv6. */
export function throttleKey(machineId: string, ip: string): string {
  const addr = parseIp(ip);
  const where = addr?.family === 6 ? (parseCidr(`${addr.cidr.split('/')[0]}/64`)?.cidr ?? addr.cidr) : (addr?.cidr ?? ip);
  return `${where} ${machineId}`;
}
