import { hostname, platform, release } from 'node:os';
import { StoredUsageMetrics, UsageMetricsRepository } from '@lapi/db';
import { CapiHttp, CapiHttpError } from './capi-http';
import { CapiSession } from './capi-session';

/** Unsent payloads read per push; older ones wait for the next. */
const MAX_PAYLOADS = 10_000;
/** The report's window: upstream sends usage metrics every 30 minutes. */
const WINDOW_SECONDS = 1800;
const STARTED_AT = Math.floor(Date.now() / 1000);

const unix = (d: Date | string | null) => (d ? Math.floor(new Date(d).getTime() / 1000) : 0);
const flags = (s: string) => s.split(',');

/** The windows of metrics each agent and bouncer pushed, by who pushed them. */
function metricsBy(stored: StoredUsageMetrics[]): Map<string, { ids: string[]; metrics: unknown[] }> {
  const by = new Map<string, { ids: string[]; metrics: unknown[] }>();
  for (const s of stored) {
    const entry = by.get(`${s.generatedType}:${s.generatedBy}`) ?? { ids: [], metrics: [] };
    entry.ids.push(s.id);
    const payload = s.payload as { metrics?: unknown[] | null } | null;
    entry.metrics.push(...(payload?.metrics ?? []));
    by.set(`${s.generatedType}:${s.generatedBy}`, entry);
  }
  return by;
}

/**
 * Upstream's 1.6+ usage report (apic_metrics.go's GetUsageMetrics and SendUsageMetrics): every
 * bouncer and agent with what it told of itself and the metrics windows it pushed since the last
 * report, and the LAPI's own entry. Sent by the CAPI leader with the shared token; the payloads
 * sent are marked, as they are when CAPI refuses them with a 422 (sending them again would not help).
 * Returns how many payloads went.
 */
export async function pushFleetUsageMetrics(session: CapiSession, http: CapiHttp, usage: UsageMetricsRepository, version: string): Promise<number> {
  const { machines, bouncers } = await usage.fleet();
  const by = metricsBy(await usage.unpushed(MAX_PAYLOADS));
  const sent: string[] = [];
  const take = (key: string) => {
    const entry = by.get(key);
    if (entry) sent.push(...entry.ids);
    return entry?.metrics ?? [];
  };
  const body = {
    remediation_components: bouncers.map((b) => ({
      os: { name: b.osName, version: b.osVersion }, type: b.type, feature_flags: flags(b.featureFlags), version: b.version, name: b.name,
      last_pull: unix(b.lastPull), metrics: take(`RC:${b.name}`), utc_startup_timestamp: 0,
    })),
    log_processors: machines.map((m) => ({
      os: { name: m.osName, version: m.osVersion }, feature_flags: flags(m.featureFlags), version: m.version, name: m.machineId,
      last_push: unix(m.lastPush), last_update: unix(m.updatedAt), datasources: m.datasources ?? {}, hub_items: m.hubState ?? {},
      metrics: take(`LP:${m.machineId}`), utc_startup_timestamp: 0,
    })),
    lapi: {
      console_options: [''], os: { name: platform(), version: release() }, version, feature_flags: [], utc_startup_timestamp: STARTED_AT,
      metrics: [{ meta: { utc_now_timestamp: Math.floor(Date.now() / 1000), window_size_seconds: WINDOW_SECONDS }, items: [] }],
      name: hostname(),
    },
  };
  try {
    await session.call('usage-metrics', (t) => http.pushUsageMetrics(t, body));
  } catch (e) {
    if (!(e instanceof CapiHttpError && e.status === 422)) throw e;
  }
  if (sent.length) await usage.markPushed(sent);
  return sent.length;
}
