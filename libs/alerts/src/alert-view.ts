import type { AlertEntity, StoredAlert } from '@lapi/db';
import { DecisionView, toDecisionView } from '@lapi/decision-model';

function rfc3339(d: Date | null): string {
  return d ? d.toISOString() : '';
}

/** An alert as the swagger's Alert model, with its decisions. */
export function toAlertView({ alert: a, decisions }: StoredAlert, now = Date.now()) {
  return {
    capacity: a.capacity,
    created_at: rfc3339(a.createdAt),
    decisions: decisions.map((d): DecisionView => toDecisionView(d, now)),
    events: a.events,
    events_count: a.eventsCount,
    id: Number(a.id),
    labels: a.labels.length ? a.labels : null,
    leakspeed: a.leakSpeed,
    machine_id: a.machineId,
    message: a.message,
    meta: a.meta,
    remediation: a.remediation,
    scenario: a.scenario,
    scenario_hash: a.scenarioHash,
    scenario_version: a.scenarioVersion,
    simulated: a.simulated,
    source: sourceView(a),
    start_at: rfc3339(a.startedAt),
    stop_at: rfc3339(a.stoppedAt),
    uuid: a.uuid,
  };
}

function sourceView(a: AlertEntity) {
  return {
    as_name: a.sourceAsName,
    as_number: a.sourceAsNumber,
    cn: a.sourceCountry,
    ip: a.sourceIp,
    latitude: a.sourceLatitude,
    longitude: a.sourceLongitude,
    range: a.sourceRange,
    scope: a.sourceScope,
    value: a.sourceValue,
  };
}

export type AlertView = ReturnType<typeof toAlertView>;
