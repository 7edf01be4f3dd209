/** Test data shaped like what the real clients send. */

export interface AlertOverrides {
  scenario?: string;
  sourceScope?: string;
  sourceValue?: string;
  remediation?: boolean;
  simulated?: boolean;
  decisions?: Record<string, unknown>[] | null;
  startAt?: string;
}

/** An alert as the crowdsec agent or cscli pushes it. */
export function newAlert(o: AlertOverrides = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  const value = o.sourceValue ?? '192.0.2.10';
  return {
    scenario: o.scenario ?? 'crowdsecurity/ssh-bf',
    scenario_hash: 'abc123',
    scenario_version: '0.1',
    message: `Ip ${value} performed 'ssh-bf'`,
    events_count: 6,
    start_at: o.startAt ?? now,
    stop_at: now,
    capacity: 5,
    leakspeed: '10s',
    simulated: o.simulated ?? false,
    remediation: o.remediation ?? true,
    events: [{ timestamp: now, meta: [{ key: 'source_ip', value }] }],
    source: { scope: o.sourceScope ?? 'Ip', value, ip: value },
    meta: [{ key: 'service', value: 'ssh' }],
    labels: null,
    decisions: o.decisions === undefined ? null : o.decisions,
  };
}

/** A decision as cscli sends it inside an alert. */
export function newDecision(o: { value?: string; scope?: string; type?: string; duration?: string; origin?: string; scenario?: string } = {}) {
  return {
    origin: o.origin ?? 'cscli',
    type: o.type ?? 'ban',
    scope: o.scope ?? 'Ip',
    value: o.value ?? '192.0.2.10',
    duration: o.duration ?? '4h',
    scenario: o.scenario ?? "manual 'ban' from 'test'",
  };
}
