import { Logger } from '@nestjs/common';
import { CapiState, CapiStateRepository } from '@lapi/db';
import { Clock } from './capi-clock';
import { CapiHttp, CapiHttpError } from './capi-http';
import { capiMetrics } from './capi-metrics';
import { CapiUnavailableError } from './capi.errors';
import { BAN_MARGIN_MS, BAN_MS, countsAsSharing, LOGIN_WINDOW_MS, loginBudget } from './login-budget';

/** A token this close to its expiry is renewed rather than used. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * The cluster's one CAPI identity: the stored token while it is valid, otherwise one login
 * reserved in the shared budget. Never logs in during a 403 lockout or past the budget.
 */
export class CapiSession {
  private readonly logger = new Logger('Capi');

  constructor(
    private readonly state: CapiStateRepository,
    private readonly http: CapiHttp,
    private readonly clock: Clock,
    private readonly sharing: boolean,
  ) {}

  /** The stored token while valid; otherwise a login, when the budget and any lockout allow. */
  async token(): Promise<string> {
    const s = await this.state.get();
    if (!s.machineId || !s.password) throw new CapiUnavailableError('unregistered');
    if (s.token && s.tokenExpiresAt && s.tokenExpiresAt.getTime() - TOKEN_MARGIN_MS > this.clock.now()) return s.token;
    return this.login(s);
  }

  /** Runs a call with the token. A 401 means CAPI refused the token: one new login, one retry. */
  async call<T>(job: string, fn: (token: string) => Promise<T>): Promise<T> {
    const token = await this.token();
    try {
      return await this.counted(job, () => fn(token));
    } catch (e) {
      if (!(e instanceof CapiHttpError) || e.status !== 401) throw e;
      await this.state.dropToken(token);
      return this.counted(job, async () => fn(await this.token()));
    }
  }

  private async counted<T>(job: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      capiMetrics.calls.inc({ job, outcome: 'ok' });
      return out;
    } catch (e) {
      capiMetrics.calls.inc({ job, outcome: e instanceof CapiHttpError ? String(e.status) : 'error' });
      // CAPI answers 403 to every call from a banned IP: stop logging in until it is surely over.
      // (Enrollment answers 403 to a bad key too: that must not stop the client for an hour.)
      if (e instanceof CapiHttpError && e.status === 403 && job !== 'enroll') await this.lockOut(`${job}: ${e.message}`);
      throw e;
    }
  }

  private async login(s: CapiState): Promise<string> {
    const now = new Date(this.clock.now());
    const reservation = await this.state.reserveLogin(now, LOGIN_WINDOW_MS, loginBudget(s.enrolled, countsAsSharing(this.sharing, s.signalsAcceptedAt)));
    if (!reservation.ok) {
      capiMetrics.loginWaits.inc({ reason: reservation.reason });
      this.logger.warn(`not logging in to CAPI: ${reservation.reason === 'banned' ? '403 lockout' : 'login budget spent'} until ${reservation.retryAt.toISOString()}`);
      throw new CapiUnavailableError(reservation.reason, reservation.retryAt);
    }
    try {
      const scenarios = await this.state.machineScenarios();
      const login = await this.http.login(s.machineId!, s.password!, scenarios);
      await this.state.recordLogin(reservation.attemptId, login.token, login.expiresAt, now);
      capiMetrics.logins.inc({ outcome: 'ok' });
      this.logger.log(`logged in to CAPI; token valid until ${login.expiresAt.toISOString()}`);
      return login.token;
    } catch (e) {
      const status = e instanceof CapiHttpError ? e.status : -1;
      const banned = status === 403 ? new Date(now.getTime() + BAN_MS + BAN_MARGIN_MS) : undefined;
      capiMetrics.logins.inc({ outcome: banned ? 'banned' : status === 401 ? 'refused' : 'error' });
      if (banned) {
        capiMetrics.bannedUntil.set(banned.getTime() / 1000);
        this.logger.error(`CAPI refused the login with 403 (IP banned); no node logs in before ${banned.toISOString()}`);
      }
      await this.state.recordLoginFailure(reservation.attemptId, banned ? 'banned' : 'failed', (e as Error).message, now, banned);
      throw e;
    }
  }

  private async lockOut(error: string): Promise<void> {
    const now = this.clock.now();
    const until = new Date(now + BAN_MS + BAN_MARGIN_MS);
    await this.state.setBannedUntil(until);
    await this.state.recordError(error, new Date(now));
    capiMetrics.bannedUntil.set(until.getTime() / 1000);
  }
}
