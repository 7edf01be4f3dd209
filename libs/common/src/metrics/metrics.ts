import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TallyCounter, TallyHistogram } from './request-tally';

/** One registry per process; names follow upstream's where upstream has them. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

// Counted on every request: tallied in plain numbers (request-tally.ts), read by the registry when scraped.
export const routeRequests = new TallyCounter('cs_lapi_route_requests_total', 'Number of calls to each route per method.', ['route', 'method'], registry);
export const machineRequests = new TallyCounter('cs_lapi_machine_requests_total', 'Number of calls for each machine.', ['machine', 'route', 'method'], registry);
export const bouncerRequests = new TallyCounter('cs_lapi_bouncer_requests_total', 'Number of calls for each bouncer.', ['bouncer', 'route', 'method'], registry);
export const requestDuration = new TallyHistogram('cs_lapi_request_duration_seconds', 'Response time of LAPI.', ['endpoint', 'method'], [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registry);
export const indexSize = new Gauge({ name: 'lapi_decision_index_active', help: 'Active decisions in this replica\'s memory.', registers: [registry] });
export const indexHead = new Gauge({ name: 'lapi_decision_index_head', help: 'Last change sequence number applied to this replica\'s index.', registers: [registry] });
export const pushStreams = new Gauge({ name: 'lapi_push_streams', help: 'Push streams (GET /v1/decisions/stream with Accept: text/event-stream) open on this process.', registers: [registry] });
export const fanoutLag = new Histogram({
  name: 'lapi_fanout_lag_seconds', help: 'From a decision change committed to it applied in this replica\'s index.',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry],
});
export const reconciles = new Counter({ name: 'lapi_index_reconciles_total', help: 'Times the index was reconciled from the database.', registers: [registry] });

export type GaugeRow = { labels: Record<string, string>; value: number };
const gaugeReaders = new Map<string, () => Promise<GaugeRow[]>>();

/** A gauge read from the database when scraped, as upstream's LAPI computes these two. */
function databaseGauge(name: string, help: string, labelNames: string[]): Gauge {
  return new Gauge({
    name, help, labelNames, registers: [registry],
    async collect() {
      const read = gaugeReaders.get(name);
      if (!read) return;
      // A database that does not answer leaves the last values rather than failing the whole scrape.
      const rows = await read().catch(() => undefined);
      if (!rows) return;
      this.reset();
      for (const r of rows) this.set(r.labels, r.value);
    },
  });
}

/** Upstream's, so CrowdSec's Grafana dashboards work: active decisions per reason, origin and action; alerts per scenario. */
export const activeDecisionsGauge = databaseGauge('cs_active_decisions', 'Number of active decisions.', ['reason', 'origin', 'action']);
export const alertsGauge = databaseGauge('cs_alerts', 'Number of alerts (excluding CAPI).', ['reason']);

/** The fleet (lapi_*): who calls, in which versions, and how long since each bouncer pulled. */
export const activeBouncersGauge = databaseGauge('lapi_active_bouncers', 'Bouncers that pulled in the last 5 minutes, by type and version.', ['type', 'version']);
export const activeMachinesGauge = databaseGauge('lapi_active_machines', 'Machines that sent a heartbeat in the last 5 minutes, by version.', ['version']);
export const bouncerLastPullAgeGauge = databaseGauge('lapi_bouncer_last_pull_age_seconds', 'Seconds since each bouncer (per host) last pulled; bouncers that never pulled are left out.', ['bouncer', 'type']);

export type DatabaseGaugeName = 'cs_active_decisions' | 'cs_alerts' | 'lapi_active_bouncers' | 'lapi_active_machines' | 'lapi_bouncer_last_pull_age_seconds';

/** Where a database gauge's values come from (the lib owning the tables registers it). */
export function readGaugeFrom(gauge: DatabaseGaugeName, read: () => Promise<GaugeRow[]>): void {
  gaugeReaders.set(gauge, read);
}
