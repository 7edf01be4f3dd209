import { formatDuration } from '@lapi/common/light';
import type { DecisionRecord } from './decision-record';

/** A decision as the swagger's Decision model: duration is the time left (negative once ended). */
export interface DecisionView {
  duration: string;
  id: number;
  origin: string;
  scenario: string;
  scope: string;
  simulated: boolean;
  type: string;
  until: string;
  uuid: string;
  value: string;
}

/** The fields a view needs: a stored record or an index entry. */
export type ViewableDecision = Pick<DecisionRecord, 'id' | 'uuid' | 'until' | 'scenario' | 'type' | 'scope' | 'value' | 'origin' | 'simulated'>;

export function toDecisionView(d: ViewableDecision, now: number): DecisionView {
  return {
    duration: formatDuration(d.until - now),
    id: d.id,
    origin: d.origin,
    scenario: d.scenario,
    scope: d.scope,
    simulated: d.simulated,
    type: d.type,
    until: new Date(d.until).toISOString(),
    uuid: d.uuid,
    value: d.value,
  };
}
