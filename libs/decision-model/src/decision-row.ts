import type { DecisionRecord } from './decision-record';

/** A decisions row as `pg` returns it (bigints as strings). */
export interface DecisionRow {
  id: string;
  uuid: string;
  alert_id: string | null;
  created_at: Date;
  until: Date;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
  simulated: boolean;
  seq: string;
  ended: boolean;
}

/** The columns of a DecisionRow, on table alias `d`. */
export const DECISION_COLUMNS = 'd.id, d.uuid, d.alert_id, d.created_at, d.until, d.scenario, d.type, d.scope, d.value, d.origin, d.simulated, d.seq, d.ended';

export function toRecord(r: DecisionRow): DecisionRecord {
  return {
    id: Number(r.id),
    uuid: r.uuid,
    alertId: r.alert_id === null ? null : Number(r.alert_id),
    createdAt: r.created_at.getTime(),
    until: r.until.getTime(),
    scenario: r.scenario,
    type: r.type,
    scope: r.scope,
    value: r.value,
    origin: r.origin,
    simulated: r.simulated,
    seq: Number(r.seq),
    ended: r.ended,
  };
}
