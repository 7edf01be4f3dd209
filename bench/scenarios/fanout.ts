/**
 * Scenario 5: fan-out. From `POST /v1/alerts` answered by ingest to the decision being served by
 * every decisions replica of the cluster (CrowdSec has no replicas, so only the target applies).
 * Run: npm run bench:fanout
 */
import { AGENT_HEADERS, Target } from '../lib/targets';
import { eachTarget, environment, main, saveResult } from '../lib/results';
import { round } from '../lib/wrk';
import { percentile } from '../lib/percentile';

const SAMPLES = 200;

export interface FanoutResult {
  samples: number;
  replicas: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export async function measureFanout(t: Target): Promise<FanoutResult> {
  const jwt = await t.login();
  const [key] = await t.addBouncers(1);
  const lags: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const ip = `198.18.${i >> 8}.${i & 255}`;
    const res = await fetch(`${t.ingestUrl}/v1/alerts`, { method: 'POST', headers: { ...AGENT_HEADERS, authorization: `Bearer ${jwt}` }, body: JSON.stringify([alertBanning(ip)]) });
    const answered = performance.now();
    if (res.status !== 201) throw new Error(`push failed: ${res.status}`);
    const seen = await Promise.all(t.decisionUrls.map((url) => visibleAt(url, key, ip, answered + 5000)));
    lags.push(Math.max(...seen) - answered);
  }
  lags.sort((a, b) => a - b);
  const pct = (p: number) => round(percentile(lags, p) ?? NaN, 2);
  return { samples: SAMPLES, replicas: t.decisionUrls.length, p50_ms: pct(50), p99_ms: pct(99), max_ms: round(lags[lags.length - 1], 2) };
}

/** Polls one replica until it serves a decision on `ip`; resolves with when it first did. */
async function visibleAt(url: string, key: string, ip: string, deadline: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${url}/v1/decisions?ip=${ip}`, { headers: { 'x-api-key': key } });
    if ((await res.text()) !== 'null') return performance.now();
    if (performance.now() > deadline) throw new Error(`${ip} never reached ${url}`);
  }
}

function alertBanning(ip: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'bench', scenario_version: '0.1', message: `Ip ${ip} performed 'crowdsecurity/ssh-bf'`,
    events_count: 6, start_at: now, stop_at: now, capacity: 5, leakspeed: '10s', simulated: false, remediation: true, events: [],
    source: { scope: 'Ip', value: ip, ip },
    decisions: [{ origin: 'crowdsec', type: 'ban', scope: 'Ip', value: ip, duration: '4h', scenario: 'crowdsecurity/ssh-bf' }],
  };
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(['cluster'], measureFanout);
    saveResult({ scenario: 'fanout', title: 'Fan-out to every decisions replica', date: new Date().toISOString(), environment: environment(), settings: { samples: SAMPLES }, runs });
  });
}
