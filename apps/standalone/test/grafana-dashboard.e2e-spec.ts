import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { registry } from '@lapi/common';
// The standalone composes every lib the cluster's services compose (apps only compose libs, and
// metrics are defined in the libs): loading it defines every metric any service registers.
import '../src/app.module';

const DASHBOARD = resolve(__dirname, '../../../deploy/grafana/lapi-cluster.json');

/** The series names a registry exports: histograms as their _bucket, _sum and _count. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const [, name, type] of (await registry.metrics()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Every metric name a PromQL expression reads (identifiers before `{`, `[` or `)` that are not functions or labels). */
function queriedMetrics(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]).filter((n) => /^(cs|lapi|process|nodejs)_/.test(n));
}

describe('the Grafana dashboard (deploy/grafana)', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };

  it('queries only metrics some service exports', async () => {
    const exported = await exportedSeries();
    const missing = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => queriedMetrics(t.expr).filter((m) => !exported.has(m)).map((m) => `${p.title}: ${m}`)));
    expect(missing).toEqual([]);
  });

  it('shows requests per route, latency, fan-out lag, index size, reconciles, CAPI state and the fleet', () => {
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => queriedMetrics(t.expr))));
    for (const m of ['cs_lapi_route_requests_total', 'cs_lapi_request_duration_seconds_bucket', 'lapi_fanout_lag_seconds_bucket', 'lapi_decision_index_active',
      'lapi_index_reconciles_total', 'lapi_capi_leader', 'lapi_active_bouncers', 'lapi_active_machines', 'lapi_bouncer_last_pull_age_seconds']) {
      expect([m, queried.has(m)]).toEqual([m, true]);
    }
  });
});
