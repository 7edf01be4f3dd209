// One file each, not the libs' indexes: lapictl's read path loads this without the framework.
import { ParsedQuery, bool, duration, range, readQuery, text, wholeNumber } from '@lapi/common/light';
import type { AlertFilter } from '@lapi/db';
import { normalizeScope } from '@lapi/decision-model';

const ago = (ms: number | undefined) => (ms === undefined ? undefined : new Date(Date.now() - ms));

function common(maxLimit: number) {
  return {
    scope: text, value: text, scenario: text, ip: range, range, contains: bool, since: duration, until: duration,
    created_before: duration, has_active_decision: bool, decision_type: text, origin: text, simulated: bool,
    include_capi: bool, limit: wholeNumber(maxLimit), sort: text,
  };
}

type AlertQuery = ParsedQuery<ReturnType<typeof common>> & { alert_source?: string };

/** The filter both searches and deletions share (an origin filter implies include_capi, as upstream). */
function toFilter(q: AlertQuery): AlertFilter {
  return {
    scope: q.scope !== undefined ? normalizeScope(q.scope) : undefined,
    value: q.value,
    scenario: q.scenario,
    ip: q.ip ?? q.range,
    contains: q.contains ?? true,
    since: ago(q.since),
    until: ago(q.until),
    createdBefore: ago(q.created_before),
    excludeSimulated: q.simulated === false,
    hasActiveDecision: q.has_active_decision,
    decisionType: q.decision_type,
    origin: q.origin,
    alertSource: q.alert_source,
    includeCapi: q.origin !== undefined ? true : q.include_capi,
  };
}

/** GET|HEAD /v1/alerts query → filter (upstream's parameters; unknown ones are refused as upstream does). */
export function readAlertsQuery(raw: Record<string, unknown> | undefined, maxLimit: number): AlertFilter {
  const q = readQuery(raw, common(maxLimit));
  return { ...toFilter(q), limit: q.limit === 0 ? maxLimit : (q.limit ?? 50) };
}

/** DELETE /v1/alerts query → filter; `limit` (cscli sends limit=0) does not cap a deletion. */
export function readDeleteAlertsQuery(raw: Record<string, unknown> | undefined): AlertFilter {
  return toFilter(readQuery(raw, { ...common(Number.MAX_SAFE_INTEGER), alert_source: text }));
}
