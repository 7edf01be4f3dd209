import { bool, list, range, readQuery, text } from '@lapi/common';
import { DecisionFilter, normalizeScope } from '@lapi/decision-model';

const BOUNCER_FILTERS = {
  scope: text, value: text, type: text, ip: range, range, contains: bool, origins: list,
  scenarios_containing: list, scenarios_not_containing: list, dedup: bool, simulated: bool,
};

/** GET|HEAD /v1/decisions query → filter. */
export function readDecisionsQuery(raw: Record<string, unknown> | undefined): { filter: DecisionFilter; dedup: boolean } {
  const q = readQuery(raw, BOUNCER_FILTERS);
  return {
    filter: {
      scopes: q.scope !== undefined ? [normalizeScope(q.scope)] : undefined,
      value: q.value,
      type: q.type,
      ip: q.ip ?? q.range,
      contains: q.contains ?? true,
      origins: q.origins,
      scenariosContaining: q.scenarios_containing,
      scenariosNotContaining: q.scenarios_not_containing,
      includeSimulated: q.simulated === true,
    },
    dedup: q.dedup ?? true,
  };
}

const STREAM_PARAMS = {
  startup: bool, scopes: list, origins: list, scenarios_containing: list, scenarios_not_containing: list, dedup: bool,
  // Sent by newer bouncers to steer community blocklists; there is no CAPI pull to steer yet.
  community_pull: bool, additional_pull: bool,
};

/** GET|HEAD /v1/decisions/stream query. Scopes default to ip,range as upstream. */
export function readStreamQuery(raw: Record<string, unknown> | undefined): { startup: boolean; filter: DecisionFilter; dedup: boolean } {
  const q = readQuery(raw, STREAM_PARAMS);
  return {
    startup: q.startup ?? false,
    dedup: q.dedup ?? true,
    filter: {
      scopes: (q.scopes ?? ['ip', 'range']).map(normalizeScope),
      origins: q.origins,
      scenariosContaining: q.scenarios_containing,
      scenariosNotContaining: q.scenarios_not_containing,
    },
  };
}

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
