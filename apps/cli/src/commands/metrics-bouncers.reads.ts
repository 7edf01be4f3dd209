// `metrics show bouncers`: read-only, on a plain connection (cli-reader.ts); the light part of the libs only.
import { bouncerMetricsSince, BouncerMetricsRow } from '@lapi/db/light';
import type { CliReader } from '../cli-reader';
import { goTime, OutputFormat, printJson } from '../output';
import { renderTable } from '../table';

type Totals = Map<string, number>;
/** bouncer → origin → "name\u0000unit" → value: cscli's aggregation over IP types. */
type ByOrigin = Map<string, Map<string, Totals>>;

const PLURALS: Record<string, string> = { byte: 'bytes', packet: 'packets', ip: 'IPs' };
const ORIGINS: Record<string, string> = { CAPI: 'CAPI (community blocklist)', cscli: 'cscli (manual decisions)', crowdsec: 'crowdsec (security engine)' };
const UNITS: [number, string][] = [[1e18, 'E'], [1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

/** cscli's formatNumber: 1234567 → "1.23M" with units, the whole number without. */
export function formatNumber(n: number, withUnit: boolean): string {
  if (!withUnit) return String(n);
  const u = UNITS.find(([v]) => n >= v);
  return u ? `${(Math.round((n / u[0]) * 100) / 100).toFixed(2)}${u[1]}` : String(n);
}

const isGauge = (name: string) => name === 'active_decisions' || name.endsWith('_gauge');
const sorted = <T>(m: Map<string, T>) => [...m.keys()].sort();

/**
 * cscli 1.6's bouncer metrics (climetrics/statbouncer.go): items repeated across pushes counted
 * once; over time a gauge keeps its latest value and a counter adds up; then summed over IP types
 * per origin, and over origins for the total.
 */
export function aggregateBouncerMetrics(rows: BouncerMetricsRow[]): { byOrigin: ByOrigin; oldest: Map<string, number> } {
  const seen = new Set<string>();
  const overTime = new Map<string, number>();
  const oldest = new Map<string, number>();
  const items = rows.flatMap((r) => (r.payload.metrics ?? []).flatMap((m) => {
    const at = m.meta?.utc_now_timestamp;
    if (at === undefined) return [];
    if (!oldest.has(r.generatedBy) || at < oldest.get(r.generatedBy)!) oldest.set(r.generatedBy, at);
    return (m.items ?? []).map((i) => ({ at, bouncer: r.generatedBy, origin: i.labels?.origin ?? '', ipType: i.labels?.ip_type ?? '', name: i.name, unit: i.unit, value: i.value }));
  })).sort((a, b) => a.at - b.at);
  for (const i of items) {
    const unique = JSON.stringify(i);
    if (seen.has(unique)) continue;
    seen.add(unique);
    const key = JSON.stringify([i.bouncer, i.origin, i.name, i.unit, i.ipType]);
    overTime.set(key, isGauge(i.name) ? Math.trunc(i.value) : (overTime.get(key) ?? 0) + Math.trunc(i.value));
  }
  const byOrigin: ByOrigin = new Map();
  for (const [key, value] of overTime) {
    const [bouncer, origin, name, unit] = JSON.parse(key) as string[];
    const origins = byOrigin.get(bouncer) ?? new Map<string, Totals>();
    const totals = origins.get(origin) ?? new Map<string, number>();
    totals.set(`${name}\u0000${unit}`, (totals.get(`${name}\u0000${unit}`) ?? 0) + value);
    origins.set(origin, totals);
    byOrigin.set(bouncer, origins);
  }
  return { byOrigin, oldest };
}

/** `lapictl metrics show bouncers`: what each bouncer reported through POST /v1/usage-metrics, in cscli 1.6's tables. */
export async function showBouncerMetrics({ db }: CliReader, format: OutputFormat, withUnit: boolean): Promise<void> {
  const { byOrigin, oldest } = aggregateBouncerMetrics(await bouncerMetricsSince(db, new Date(0)));
  if (format === 'json') return printJson({ bouncers: jsonOf(byOrigin) });
  if (byOrigin.size === 0) return console.log('No bouncer metrics found.');
  for (const bouncer of sorted(byOrigin)) {
    const origins = byOrigin.get(bouncer)!;
    const columns = [...new Set([...origins.values()].flatMap((t) => [...t.keys()]))].sort();
    const header = ['Origin', ...columns.map((c) => { const [name, unit] = c.split('\u0000'); return `${name.replace(/_gauge$/, '')} (${PLURALS[unit] ?? unit})`; })];
    const rows = sorted(origins).filter((o) => o !== '').map((o) => [ORIGINS[o] ?? o, ...columns.map((c) => { const v = origins.get(o)!.get(c); return v === undefined ? '-' : formatNumber(v, withUnit); })]);
    const total = ['Total', ...columns.map((c) => formatNumber([...origins.values()].reduce((s, t) => s + (t.get(c) ?? 0), 0), withUnit))];
    const since = oldest.has(bouncer) ? ` since ${goTime(new Date(oldest.get(bouncer)! * 1000))}` : '';
    console.log(`Bouncer Metrics (${bouncer})${since}:\n${renderTable(header, [...rows, total], false)}`);
  }
}

function jsonOf(byOrigin: ByOrigin) {
  const out: Record<string, Record<string, Record<string, Record<string, number>>>> = {};
  for (const [bouncer, origins] of byOrigin) {
    for (const [origin, totals] of origins) {
      for (const [key, value] of totals) {
        const [name, unit] = key.split('\u0000');
        ((((out[bouncer] ??= {})[origin] ??= {})[name] ??= {})[unit] = value);
      }
    }
  }
  return out;
}
