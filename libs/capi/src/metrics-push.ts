import { CapiStateRepository } from '@lapi/db';
import { CapiHttp, MetricsPush } from './capi-http';
import { CapiSession } from './capi-session';

const iso = (d: Date | null) => d?.toISOString() ?? '';

/** The usage report upstream sends every 30 minutes: which machines and bouncers this LAPI serves. */
export async function pushUsageMetrics(session: CapiSession, http: CapiHttp, state: CapiStateRepository): Promise<void> {
  const { machines, bouncers } = await state.inventory();
  const body: MetricsPush = {
    machines: machines.map((m) => ({ name: m.name, version: m.version, last_push: iso(m.lastPush), last_update: iso(m.lastUpdate) })),
    bouncers: bouncers.map((b) => ({ name: b.name, type: b.type, version: b.version, last_pull: iso(b.lastPull), custom_name: b.name })),
  };
  await session.call('metrics', (t) => http.pushMetrics(t, body));
}
