import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; names follow upstream's where upstream has them. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const routeRequests = new Counter({
  name: 'cs_lapi_route_requests_total', help: 'Number of calls to each route per method.',
  labelNames: ['route', 'method'], registers: [registry],
});
export const machineRequests = new Counter({
  name: 'cs_lapi_machine_requests_total', help: 'Number of calls for each machine.',
  labelNames: ['machine', 'route', 'method'], registers: [registry],
});
export const bouncerRequests = new Counter({
  name: 'cs_lapi_bouncer_requests_total', help: 'Number of calls for each bouncer.',
  labelNames: ['bouncer', 'route', 'method'], registers: [registry],
});
export const requestDuration = new Histogram({
  name: 'cs_lapi_request_duration_seconds', help: 'Response time of LAPI.',
  labelNames: ['endpoint', 'method'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry],
});
export const indexSize = new Gauge({ name: 'lapi_decision_index_active', help: 'Active decisions in this replica\'s memory.', registers: [registry] });
export const indexHead = new Gauge({ name: 'lapi_decision_index_head', help: 'Last change sequence number applied to this replica\'s index.', registers: [registry] });
export const fanoutLag = new Histogram({
  name: 'lapi_fanout_lag_seconds', help: 'From a decision change committed to it applied in this replica\'s index.',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry],
});
export const reconciles = new Counter({ name: 'lapi_index_reconciles_total', help: 'Times the index was reconciled from the database.', registers: [registry] });
