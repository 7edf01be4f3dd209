import { badRequest, bool, duration, list, range, readQuery, text } from '@lapi/common';
import { DecisionFilter, normalizeScope } from '@lapi/decision-model';

// The bouncer routes read their parameters as upstream's applyDecisionFilter does (checked in
// crowdsecurity/crowdsec pkg/database/decisions.go at v1.4.6, decisionfilter.go at v1.7.x):
// - a parameter it does not know is ignored (1.4.6 and 1.7 alike), so is one we do not know;
// - `scopes` is a comma-separated list; `scope` (one scope) filters as well since v1.6.4 (1.4.6
//   ignored it); both given, a decision must pass both;
// - `community_pull` and `additional_pull` are not the LAPI's: they are what a LAPI sends to
//   CAPI's stream to choose the community and blocklist decisions it pulls. Upstream's LAPI never
//   reads them on its own stream, so its bouncers get CAPI's and blocklists' decisions whatever
//   they say; here too, as any other parameter we do not read;
// - a bad IP, range or `contains` is a 500 upstream and a 400 with a message here.
const FILTERS = {
  scope: text, scopes: list, value: text, type: text, ip: range, range, contains: bool, origins: list,
  scenarios_containing: list, scenarios_not_containing: list, dedup: bool, simulated: bool,
};

type FilterQuery = ReturnType<typeof readQuery<typeof FILTERS>>;

/** The scopes asked for: those of `scopes`, narrowed to `scope` when both are given. */
function scopesOf(q: FilterQuery, otherwise?: string[]): string[] | undefined {
  const listed = (q.scopes?.length ? q.scopes : otherwise)?.map(normalizeScope);
  const one = q.scope !== undefined ? normalizeScope(q.scope) : undefined;
  if (one === undefined) return listed;
  return listed === undefined || listed.includes(one) ? [one] : [];
}

function toFilter(q: FilterQuery, scopes: string[] | undefined): DecisionFilter {
  return {
    scopes,
    value: q.value,
    type: q.type,
    ip: q.ip ?? q.range,
    contains: q.contains ?? true,
    origins: q.origins,
    scenariosContaining: q.scenarios_containing,
    scenariosNotContaining: q.scenarios_not_containing,
    includeSimulated: q.simulated === true,
  };
}

/** GET|HEAD /v1/decisions query → filter. */
export function readDecisionsQuery(raw: Record<string, unknown> | undefined): { filter: DecisionFilter; dedup: boolean } {
  const q = readQuery(raw, FILTERS, 'ignore');
  return { filter: toFilter(q, scopesOf(q)), dedup: q.dedup ?? true };
}

/** The longest a long poll waits: well inside the edge's proxy_read_timeout (120 s). */
export const MAX_POLL_WAIT_MS = 60_000;

/**
 * GET|HEAD /v1/decisions/stream query: the same filters, and scopes default to ip,range as
 * upstream. `wait` is ours: a long poll (push delivery's fallback where a proxy cannot pass a stream).
 */
export function readStreamQuery(raw: Record<string, unknown> | undefined): { startup: boolean; filter: DecisionFilter; dedup: boolean; waitMs: number } {
  const q = readQuery(raw, { ...FILTERS, startup: bool, wait: duration }, 'ignore');
  if (q.wait !== undefined && q.wait > MAX_POLL_WAIT_MS) throw badRequest(`parameter 'wait' may be at most ${MAX_POLL_WAIT_MS / 1000}s`);
  const scopes = q.scopes === undefined ? scopesOf(q, ['ip', 'range']) : scopesOf(q);
  return { startup: q.startup ?? false, dedup: q.dedup ?? true, filter: toFilter(q, scopes), waitMs: q.wait ?? 0 };
}

// A machine's delete refuses what it does not know, as upstream's delete does.
const DELETE_FILTERS = { scope: text, value: text, type: text, ip: range, range, contains: bool, scenario: text, origin: text };

/** DELETE /v1/decisions query → filter. */
export function readDeleteDecisionsQuery(raw: Record<string, unknown> | undefined): DecisionFilter {
  const q = readQuery(raw, DELETE_FILTERS);
  return {
    scopes: q.scope !== undefined ? [normalizeScope(q.scope)] : undefined,
    value: q.value,
    type: q.type,
    ip: q.ip ?? q.range,
    contains: q.contains ?? true,
    scenario: q.scenario,
    origins: q.origin !== undefined ? [q.origin] : undefined,
  };
}
