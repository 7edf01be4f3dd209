import { ExprEnvironment, ExprRecord, ExprValue, ObjectShape } from './expr';
import { goSprintf } from './expr/go-sprintf';
import { parseDuration } from '@lapi/common';
import { normalizeScope } from '@lapi/decision-model';

/** The fields of an alert that profiles read: the agent's push, as upstream's models.Alert names them. */
export interface ProfileAlert {
  scenario: string;
  scenario_hash?: string;
  scenario_version?: string;
  message?: string;
  events_count?: number;
  start_at?: string;
  stop_at?: string;
  capacity?: number;
  leakspeed?: string;
  simulated?: boolean;
  remediation?: boolean | null;
  source: { scope: string; value: string; ip?: string | null; range?: string | null; as_number?: string | null; as_name?: string | null; cn?: string | null; latitude?: number | null; longitude?: number | null };
  meta?: { key: string; value: string }[] | null;
  labels?: string[] | null;
  uuid?: string | null;
}

/** Counts every decision (active or not) on an address or range, across the whole cluster. */
export interface DecisionCounter {
  countByValue(value: string, since?: Date): Promise<number>;
}

export const SOURCE_SHAPE: ObjectShape = {
  name: 'Source',
  fields: { Scope: 'string', Value: 'string', IP: 'string', Range: 'string', AsNumber: 'string', AsName: 'string', Cn: 'string', Latitude: 'number', Longitude: 'number' },
  methods: {
    GetScope: { params: [], returns: 'string', call: (self) => self.Scope ?? '' },
    GetValue: { params: [], returns: 'string', call: (self) => self.Value ?? '' },
  },
};

/** The `Alert` of upstream's profiles: its fields and the methods upstream's models.Alert has. */
export const ALERT_SHAPE: ObjectShape = {
  name: 'Alert',
  fields: {
    Scenario: 'string', ScenarioHash: 'string', ScenarioVersion: 'string', Message: 'string', EventsCount: 'number',
    StartAt: 'string', StopAt: 'string', Capacity: 'number', Leakspeed: 'string', Simulated: 'bool', Remediation: 'bool',
    UUID: 'string', Labels: 'array', Source: SOURCE_SHAPE,
  },
  methods: {
    GetScope: { params: [], returns: 'string', call: (self) => (self.Source as ExprRecord).Scope ?? '' },
    GetValue: { params: [], returns: 'string', call: (self) => (self.Source as ExprRecord).Value ?? '' },
    GetScenario: { params: [], returns: 'string', call: (self) => self.Scenario ?? '' },
    GetEventsCount: { params: [], returns: 'number', call: (self) => self.EventsCount ?? 0 },
    GetMeta: {
      params: ['string'],
      returns: 'string',
      call: (self, [key]) => ((self.Meta ?? []) as ExprRecord[]).find((m) => m.Key === key)?.Value ?? '',
    },
  },
};

/** The alert as the expressions see it. */
export function alertRecord(a: ProfileAlert): ExprRecord {
  const s = a.source;
  return {
    Scenario: a.scenario ?? '',
    ScenarioHash: a.scenario_hash ?? '',
    ScenarioVersion: a.scenario_version ?? '',
    Message: a.message ?? '',
    EventsCount: a.events_count ?? 0,
    StartAt: a.start_at ?? '',
    StopAt: a.stop_at ?? '',
    Capacity: a.capacity ?? 0,
    Leakspeed: a.leakspeed ?? '',
    Simulated: a.simulated ?? false,
    Remediation: a.remediation ?? false,
    UUID: a.uuid ?? '',
    Labels: a.labels ?? [],
    Meta: (a.meta ?? []).map((m) => ({ Key: m.key, Value: m.value })),
    Source: {
      // Upstream normalizes the scope (ip -> Ip) before its profiles read it.
      Scope: normalizeScope(s.scope ?? ''), Value: s.value ?? '', IP: s.ip ?? '', Range: s.range ?? '', AsNumber: s.as_number ?? '',
      AsName: s.as_name ?? '', Cn: s.cn ?? '', Latitude: s.latitude ?? 0, Longitude: s.longitude ?? 0,
    },
  };
}

/** What an evaluation gets from its host: the cluster's decision counts and a clock. */
export interface ProfileContext {
  counter: DecisionCounter;
  now(): number;
}

/**
 * The functions profiles may call. GetDecisionsCount and GetDecisionsSinceCount count in the
 * database, so a ban escalates whichever replica took the alert; like upstream's helpers, a value
 * that is no address or a bad `since` counts 0.
 */
export const PROFILE_ENVIRONMENT: ExprEnvironment = {
  variables: { Alert: ALERT_SHAPE },
  functions: {
    GetDecisionsCount: { params: ['string'], returns: 'number', call: ([value], c) => (c as ProfileContext).counter.countByValue(value as string) },
    GetDecisionsSinceCount: {
      params: ['string', 'string'],
      returns: 'number',
      call: ([value, since], c) => {
        const ms = parseDuration(since as string);
        if (ms === undefined) return 0;
        const { counter, now } = c as ProfileContext;
        return counter.countByValue(value as string, new Date(now() - ms));
      },
    },
    Sprintf: { params: ['string', 'unknown'], variadic: true, returns: 'string', call: ([format, ...args]) => goSprintf(format as string, args as ExprValue[]) },
  },
};
