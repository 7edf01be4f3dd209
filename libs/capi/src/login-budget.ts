/** CAPI's documented login table, per public IP, per 50-minute window; one more bans for 1 h. */
export const LOGIN_WINDOW_MS = 50 * 60_000;
export const BAN_MS = 3600_000;
/** Waited past a ban, since CAPI's clock and ours may differ. */
export const BAN_MARGIN_MS = 10 * 60_000;
/** Logins left unused in every window: other hosts behind the same NAT, clock skew, a lost answer. */
export const LOGIN_HEADROOM = 2;

export function loginLimit(enrolled: boolean, sharing: boolean): number {
  if (enrolled) return sharing ? 20 : 10;
  return sharing ? 10 : 5;
}

/**
 * The mode CAPI puts us in: sharing counts only once CAPI has accepted our signals (sharing
 * switched on but with nothing sent yet may still be judged by the stricter row).
 */
export function countsAsSharing(sharingOn: boolean, signalsAcceptedAt: Date | null): boolean {
  return sharingOn && signalsAcceptedAt !== null;
}

/** How many logins the whole cluster allows itself per window. */
export function loginBudget(enrolled: boolean, sharing: boolean): number {
  return loginLimit(enrolled, sharing) - LOGIN_HEADROOM;
}
