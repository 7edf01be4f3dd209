/** A decision as the index, the bus and the stream see it: plain values, times in epoch ms. */
export interface DecisionRecord {
  id: number;
  uuid: string;
  alertId: number | null;
  createdAt: number;
  until: number;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
  simulated: boolean;
  /** Sequence number of the latest change to this decision. */
  seq: number;
  /** True once its end (deletion or expiry) has been recorded. */
  ended: boolean;
}

/** Upstream's canonical spelling of the scopes it knows; other scopes are kept as given. */
export function normalizeScope(scope: string): string {
  switch (scope.toLowerCase()) {
    case 'ip':
      return 'Ip';
    case 'range':
      return 'Range';
    case 'country':
      return 'Country';
    case 'as':
      return 'AS';
    default:
      return scope;
  }
}

const RECORD_NUMBERS = ['id', 'createdAt', 'until', 'seq'] as const;
const RECORD_STRINGS = ['uuid', 'scenario', 'type', 'scope', 'value', 'origin'] as const;

/** Is `d` a well-formed record (input from another process is checked before it is believed)? */
export function isDecisionRecord(d: DecisionRecord): boolean {
  return (
    !!d &&
    RECORD_NUMBERS.every((k) => Number.isSafeInteger(d[k])) &&
    RECORD_STRINGS.every((k) => typeof d[k] === 'string') &&
    (d.alertId === null || Number.isSafeInteger(d.alertId)) &&
    typeof d.simulated === 'boolean' &&
    typeof d.ended === 'boolean'
  );
}
