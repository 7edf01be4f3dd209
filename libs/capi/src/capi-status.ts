import { CapiDeletionsRepository, CapiStateRepository, CapiSignalsRepository } from '@lapi/db';
import { Clock } from './capi-clock';
import { countsAsSharing, LOGIN_WINDOW_MS, loginBudget } from './login-budget';

/** What `lapictl capi status` shows: stored state only, so asking never logs in. */
export interface CapiStatus {
  registered: boolean;
  machineId: string | null;
  url: string;
  enrolled: boolean;
  sharing: boolean;
  /** Whether the budget counts us as sharing: only once CAPI accepted signals. */
  sharingCounted: boolean;
  tokenValidUntil: string | null;
  bannedUntil: string | null;
  loginsInWindow: number;
  loginBudget: number;
  /** When the next login may happen: now, or the end of a lockout or of the spent budget. */
  nextLoginAt: string;
  lastLoginAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  lastPullAt: string | null;
  nextPullAt: string | null;
  leader: string | null;
  leaseUntil: string | null;
  queuedSignals: number;
  /** Manual deletions waiting to be reported (LAPI_CAPI_SHARE_MANUAL_DECISIONS). */
  queuedDeletions: number;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function readCapiStatus(
  state: CapiStateRepository, queues: { signals: CapiSignalsRepository; deletions: CapiDeletionsRepository }, clock: Clock, opts: { url: string; sharing: boolean },
): Promise<CapiStatus> {
  const s = await state.get();
  const now = clock.now();
  const sharingCounted = countsAsSharing(opts.sharing, s.signalsAcceptedAt);
  const budget = loginBudget(s.enrolled, sharingCounted);
  const logins = await state.loginsInWindow(new Date(now), LOGIN_WINDOW_MS);
  const banned = s.bannedUntil && s.bannedUntil.getTime() > now ? s.bannedUntil : null;
  let nextLogin = new Date(now);
  if (banned) nextLogin = banned;
  else if (logins >= budget) nextLogin = (await state.nextBudgetSlot(new Date(now), LOGIN_WINDOW_MS, budget)) ?? nextLogin;
  const valid = s.token && s.tokenExpiresAt && s.tokenExpiresAt.getTime() > now ? s.tokenExpiresAt : null;
  const leading = s.leaseUntil && s.leaseUntil.getTime() > now;
  return {
    registered: Boolean(s.machineId && s.password),
    machineId: s.machineId,
    url: opts.url,
    enrolled: s.enrolled,
    sharing: opts.sharing,
    sharingCounted,
    tokenValidUntil: iso(valid),
    bannedUntil: iso(banned),
    loginsInWindow: logins,
    loginBudget: budget,
    nextLoginAt: nextLogin.toISOString(),
    lastLoginAt: iso(s.lastLoginAt),
    lastError: s.lastError,
    lastErrorAt: iso(s.lastErrorAt),
    lastPullAt: iso(s.lastPullAt),
    nextPullAt: iso(s.nextPullAt),
    leader: leading ? s.leaseHolder : null,
    leaseUntil: leading ? iso(s.leaseUntil) : null,
    queuedSignals: await queues.signals.count(),
    queuedDeletions: await queues.deletions.count(),
  };
}
