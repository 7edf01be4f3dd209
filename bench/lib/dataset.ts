/**
 * The decisions every server under test is loaded with, and the IPs looked up: deterministic, so
 * each server holds the same data and answers the same questions.
 * 90% Ip, 10% Range; two thirds IPv4, one third IPv6; no two decisions overlap.
 */
export interface BenchDecision {
  scope: 'Ip' | 'Range';
  value: string;
  /** An address the decision covers (the value itself for an Ip). */
  member: string;
}

export function decisionAt(i: number): BenchDecision {
  const range = i % 10 === 9;
  const v6 = i % 3 === 2;
  if (!range && !v6) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return { scope: 'Ip', value: ip, member: ip };
  }
  if (!range) {
    const ip = `2001:db8:${hex(i >> 16)}:${hex(i & 0xffff)}::1`;
    return { scope: 'Ip', value: ip, member: ip };
  }
  if (!v6) {
    // /28 blocks in 11.0.0.0/8: room for a million of them.
    const base = i * 16;
    const prefix = `11.${(base >> 16) & 255}.${(base >> 8) & 255}`;
    return { scope: 'Range', value: `${prefix}.${base & 255}/28`, member: `${prefix}.${(base & 255) + 5}` };
  }
  const prefix = `2001:db9:${hex(i >> 16)}:${hex(i & 0xffff)}`;
  return { scope: 'Range', value: `${prefix}::/64`, member: `${prefix}::abcd` };
}

/** Lookups of which half hit a decision of the first `count` and half miss every one. */
export function lookupIps(count: number, lookups: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < lookups; k++) {
    // A multiplicative hash spreads the hits over the whole set.
    const i = (k * 2654435761) % count;
    out.push(k % 2 === 0 ? decisionAt(i).member : missAt(k));
  }
  return out;
}

function missAt(k: number): string {
  return k % 3 === 1 ? `2001:dba::${hex(k & 0xffff)}` : `12.0.${(k >> 8) & 255}.${k & 255}`;
}

function hex(n: number): string {
  return (n & 0xffff).toString(16);
}

/** Alerts as `cscli decisions import` sends them: one alert carrying a batch of decisions. */
export function importAlert(from: number, to: number, duration = '24h'): Record<string, unknown> {
  const now = new Date().toISOString();
  const decisions = [];
  for (let i = from; i < to; i++) {
    const d = decisionAt(i);
    decisions.push({ origin: 'cscli', type: 'ban', scope: d.scope, value: d.value, duration, scenario: 'bench import' });
  }
  return {
    scenario: `bench import ${from}-${to}`,
    scenario_hash: '',
    scenario_version: '',
    message: `bench import of ${to - from} decisions`,
    events_count: 1,
    start_at: now,
    stop_at: now,
    capacity: 0,
    leakspeed: '0',
    simulated: false,
    remediation: true,
    events: [],
    source: { scope: 'cscli/manual-import', value: '127.0.0.1' },
    decisions,
  };
}
