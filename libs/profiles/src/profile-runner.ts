import { parseDuration } from '@lapi/common';
import { normalizeScope } from '@lapi/decision-model';
import { ExprScope } from './expr';
import { goString } from './expr/go-sprintf';
import { ProfileAlert, ProfileContext, alertRecord } from './profile-environment';
import { Profile } from './profiles-file';

/** A decision a profile made for an alert, in the shape of the alert's own decisions. */
export interface ProfileDecision {
  origin: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  scenario: string;
  simulated: boolean;
}

export interface ProfileOutcome {
  /** The decisions of the first profile that matched (upstream keeps only those). */
  decisions: ProfileDecision[];
  /** Each matching profile that names notifications, in order. */
  notifications: { profile: string; names: string[] }[];
}

export interface ProfileLog {
  debug(message: string): void;
  warn(message: string): void;
}

/**
 * Runs the profiles on one alert as upstream's LAPI does: in order, each profile whose filters
 * match gives its decisions (only if the alert has none yet) and its notifications; `on_success:
 * break` stops there, `on_failure: break` stops at a profile that did not match. An alert that
 * came with decisions (cscli) keeps them and only collects notifications.
 */
export async function runProfiles(profiles: Profile[], alert: ProfileAlert & { decisions?: unknown[] | null }, context: ProfileContext, log: ProfileLog): Promise<ProfileOutcome> {
  const scope: ExprScope = { variables: { Alert: alertRecord(alert) }, context };
  const hasOwn = !!alert.decisions?.length;
  const outcome: ProfileOutcome = { decisions: [], notifications: [] };
  for (const profile of profiles) {
    const { matched, failed } = await evaluate(profile, scope, log);
    let stop = false;
    let applies = matched;
    if (failed) {
      switch (profile.onError) {
        case 'apply':
          applies = true;
          break;
        case 'break':
          stop = true;
          break;
        case 'ignore':
          break;
        default:
          // Upstream answers the agent 500 here and drops the whole push; we skip the profile instead.
          log.warn(`profile ${profile.name}: skipped after an expression error (set on_error to choose)`);
          applies = false;
      }
    }
    if (applies) {
      if (!hasOwn && outcome.decisions.length === 0) outcome.decisions = await decisionsFor(profile, scope, alert, log);
      if (profile.notifications.length) outcome.notifications.push({ profile: profile.name, names: profile.notifications });
      if (profile.onSuccess === 'break') stop = true;
    } else if (!failed && profile.onFailure === 'break') {
      stop = true;
    }
    if (stop) break;
  }
  return outcome;
}

async function evaluate(profile: Profile, scope: ExprScope, log: ProfileLog): Promise<{ matched: boolean; failed: boolean }> {
  let matched = false;
  for (const filter of profile.filters) {
    let result: unknown;
    try {
      result = await filter.run(scope);
    } catch (e) {
      log.warn(`profile ${profile.name}: filter ${JSON.stringify(filter.source)} failed: ${(e as Error).message}`);
      return { matched, failed: true };
    }
    if (typeof result !== 'boolean') {
      log.warn(`profile ${profile.name}: filter ${JSON.stringify(filter.source)} gave ${goString(result as never)}, not true or false`);
      return { matched, failed: true };
    }
    if (profile.debug) log.debug(`profile ${profile.name}: filter ${JSON.stringify(filter.source)} is ${result}`);
    // Any filter that holds makes the profile apply (upstream's filters are OR'ed).
    if (result) matched = true;
  }
  return { matched, failed: false };
}

async function decisionsFor(profile: Profile, scope: ExprScope, alert: ProfileAlert, log: ProfileLog): Promise<ProfileDecision[]> {
  let computed: string | undefined;
  if (profile.durationExpr) {
    try {
      const value = goString((await profile.durationExpr.run(scope)) as never);
      if (parseDuration(value) !== undefined) computed = value;
      else log.warn(`profile ${profile.name}: duration_expr gave ${JSON.stringify(value)}, not a duration; using the decision's duration`);
    } catch (e) {
      log.warn(`profile ${profile.name}: duration_expr failed: ${(e as Error).message}; using the decision's duration`);
    }
    if (profile.debug && computed) log.debug(`profile ${profile.name}: duration_expr gave ${computed}`);
  }
  return profile.decisions.map((d) => ({
    origin: d.origin ? `crowdsec/${d.origin}` : 'crowdsec',
    type: d.type,
    scope: normalizeScope(d.scope ?? alert.source.scope),
    value: alert.source.value,
    duration: computed ?? d.duration,
    scenario: alert.scenario,
    simulated: d.simulated === true || alert.simulated === true,
  }));
}
