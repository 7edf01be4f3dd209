import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from './decisions.repository';

/** The shared CAPI client state (the single `capi_state` row). */
export interface CapiState {
  machineId: string | null;
  password: string | null;
  token: string | null;
  tokenExpiresAt: Date | null;
  enrolled: boolean;
  leaseHolder: string | null;
  leaseUntil: Date | null;
  bannedUntil: Date | null;
  lastLoginAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  lastPullAt: Date | null;
  nextPullAt: Date | null;
  nextMetricsAt: Date | null;
  /** When CAPI last accepted signals: only then does it count this site as sharing. */
  signalsAcceptedAt: Date | null;
}

/** Why a login may not happen now, and from when it may. */
export type LoginReservation =
  | { ok: true; attemptId: string }
  | { ok: false; reason: 'banned' | 'budget'; retryAt: Date };

const STATE_COLUMNS = `machine_id, password, token, token_expires_at, enrolled, lease_holder, lease_until, banned_until,
  last_login_at, last_error, last_error_at, last_pull_at, next_pull_at, next_metrics_at, signals_accepted_at`;

/**
 * Credentials, token, leader lease, login budget and 403 lockout of the one CAPI client.
 * Every time is passed in by the caller's clock, never taken from `now()`, so one simulated
 * clock drives the whole client in tests.
 */
@Injectable()
export class CapiStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(): Promise<CapiState> {
    const [r] = await this.dataSource.query(`SELECT ${STATE_COLUMNS} FROM capi_state WHERE id = 1`);
    return {
      machineId: r.machine_id, password: r.password, token: r.token, tokenExpiresAt: r.token_expires_at, enrolled: r.enrolled,
      leaseHolder: r.lease_holder, leaseUntil: r.lease_until, bannedUntil: r.banned_until, lastLoginAt: r.last_login_at,
      lastError: r.last_error, lastErrorAt: r.last_error_at, lastPullAt: r.last_pull_at, nextPullAt: r.next_pull_at, nextMetricsAt: r.next_metrics_at,
      signalsAcceptedAt: r.signals_accepted_at,
    };
  }

  /** New credentials invalidate the old token and enrollment. */
  async saveCredentials(machineId: string, password: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE capi_state SET machine_id = $1, password = $2, token = NULL, token_expires_at = NULL, enrolled = false WHERE id = 1',
      [machineId, password],
    );
  }

  async clearCredentials(): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET machine_id = NULL, password = NULL, token = NULL, token_expires_at = NULL, enrolled = false WHERE id = 1');
  }

  /** Takes or renews the lease when it is free, expired or already ours; true when we hold it. */
  async acquireLease(holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE capi_state SET lease_holder = $1, lease_until = $2
       WHERE id = 1 AND (lease_holder IS NULL OR lease_holder = $1 OR lease_until IS NULL OR lease_until <= $3) RETURNING id`,
      [holder, new Date(now.getTime() + ttlMs), now],
    );
    return returnedRows(rows).length === 1;
  }

  /** Lets the next node take over at once instead of after the lease runs out. */
  async releaseLease(holder: string): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET lease_holder = NULL, lease_until = NULL WHERE id = 1 AND lease_holder = $1', [holder]);
  }

  /**
   * Reserves one login in the shared budget: refused while a 403 lockout runs or when `budget`
   * attempts were made in the window. The attempt is recorded before the login is sent, so a
   * crash mid-login still counts, and the row lock makes concurrent reservations take turns.
   */
  reserveLogin(now: Date, windowMs: number, budget: number): Promise<LoginReservation> {
    return this.dataSource.transaction(async (em) => {
      const [s] = await em.query('SELECT banned_until FROM capi_state WHERE id = 1 FOR UPDATE');
      if (s.banned_until && s.banned_until > now) return { ok: false, reason: 'banned', retryAt: s.banned_until };
      const since = new Date(now.getTime() - windowMs);
      const attempts: { at: Date }[] = await em.query('SELECT at FROM capi_login_attempts WHERE at > $1 ORDER BY at', [since]);
      if (attempts.length >= budget) {
        const freed = attempts[attempts.length - budget].at;
        return { ok: false, reason: 'budget', retryAt: new Date(freed.getTime() + windowMs) };
      }
      const [row] = await em.query('INSERT INTO capi_login_attempts (at) VALUES ($1) RETURNING id', [now]);
      return { ok: true, attemptId: String(row.id) };
    });
  }

  /** Logins attempted in the window ending at `now`. */
  async loginsInWindow(now: Date, windowMs: number): Promise<number> {
    const [r] = await this.dataSource.query('SELECT count(*)::int AS n FROM capi_login_attempts WHERE at > $1 AND at <= $2', [new Date(now.getTime() - windowMs), now]);
    return r.n;
  }

  /** When the oldest attempt that fills the budget leaves the window. */
  async nextBudgetSlot(now: Date, windowMs: number, budget: number): Promise<Date | undefined> {
    const attempts: { at: Date }[] = await this.dataSource.query('SELECT at FROM capi_login_attempts WHERE at > $1 AND at <= $2 ORDER BY at', [new Date(now.getTime() - windowMs), now]);
    if (attempts.length < budget) return undefined;
    return new Date(attempts[attempts.length - budget].at.getTime() + windowMs);
  }

  async recordLogin(attemptId: string, token: string, expiresAt: Date, now: Date): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query(`UPDATE capi_login_attempts SET outcome = 'ok' WHERE id = $1`, [attemptId]);
      await em.query('UPDATE capi_state SET token = $1, token_expires_at = $2, last_login_at = $3, last_error = NULL WHERE id = 1', [token, expiresAt, now]);
    });
  }

  async recordLoginFailure(attemptId: string, outcome: string, error: string, now: Date, bannedUntil?: Date): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query('UPDATE capi_login_attempts SET outcome = $2 WHERE id = $1', [attemptId, outcome]);
      await em.query(
        'UPDATE capi_state SET last_error = $1, last_error_at = $2, banned_until = coalesce($3, banned_until) WHERE id = 1',
        [error, now, bannedUntil ?? null],
      );
    });
  }

  /** Forgets a token CAPI refused, unless another node already replaced it. */
  async dropToken(token: string): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET token = NULL, token_expires_at = NULL WHERE id = 1 AND token = $1', [token]);
  }

  async recordError(error: string | null, now: Date): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET last_error = $1, last_error_at = $2 WHERE id = 1', [error, now]);
  }

  async setBannedUntil(until: Date): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET banned_until = greatest(coalesce(banned_until, $1), $1) WHERE id = 1', [until]);
  }

  async setEnrolled(enrolled: boolean): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET enrolled = $1 WHERE id = 1', [enrolled]);
  }

  async setPulled(at: Date, next: Date): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET last_pull_at = $1, next_pull_at = $2 WHERE id = 1', [at, next]);
  }

  async setNextPull(next: Date): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET next_pull_at = $1 WHERE id = 1', [next]);
  }

  async setNextMetrics(next: Date): Promise<void> {
    await this.dataSource.query('UPDATE capi_state SET next_metrics_at = $1 WHERE id = 1', [next]);
  }

  async linkLastModified(url: string): Promise<string | undefined> {
    const [r] = await this.dataSource.query('SELECT last_modified FROM capi_blocklist_links WHERE url = $1', [url]);
    return r?.last_modified;
  }

  async setLinkLastModified(url: string, lastModified: string): Promise<void> {
    await this.dataSource.query(
      'INSERT INTO capi_blocklist_links (url, last_modified) VALUES ($1, $2) ON CONFLICT (url) DO UPDATE SET last_modified = $2',
      [url, lastModified],
    );
  }

  /** Every scenario any machine has installed: what upstream's login sends. */
  async machineScenarios(): Promise<string[]> {
    const rows: { scenarios: string }[] = await this.dataSource.query(`SELECT scenarios FROM machines WHERE scenarios <> ''`);
    return [...new Set(rows.flatMap((r) => r.scenarios.split(',').map((s) => s.trim()).filter(Boolean)))].sort();
  }

  /** Machines and bouncers as the metrics push describes them. */
  async inventory(): Promise<{ machines: MachineUsage[]; bouncers: BouncerUsage[] }> {
    const machines = await this.dataSource.query('SELECT machine_id, version, last_push, last_heartbeat FROM machines ORDER BY machine_id');
    const bouncers = await this.dataSource.query('SELECT name, type, version, last_pull FROM bouncers ORDER BY name');
    return {
      machines: machines.map((m: any) => ({ name: m.machine_id, version: m.version, lastPush: m.last_push, lastUpdate: m.last_heartbeat })),
      bouncers: bouncers.map((b: any) => ({ name: b.name, type: b.type, version: b.version, lastPull: b.last_pull })),
    };
  }
}

export interface MachineUsage {
  name: string;
  version: string;
  lastPush: Date | null;
  lastUpdate: Date | null;
}

export interface BouncerUsage {
  name: string;
  type: string;
  version: string;
  lastPull: Date | null;
}
