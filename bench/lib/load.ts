import { importAlert } from './dataset';
import { AGENT_HEADERS } from './targets';

export interface LoadOptions {
  /** Decisions per alert (cscli decisions import sends 1,000 per alert). */
  perAlert?: number;
  /** Alerts per POST. */
  alertsPerPost?: number;
  /** POSTs in flight: one, since CrowdSec on SQLite answers a second concurrent bulk insert with 500 "database is locked". */
  parallel?: number;
  duration?: string;
}

/** Loads decisions [from, to) through POST /v1/alerts, as `cscli decisions import` does; resolves with the seconds it took. */
export async function loadDecisions(url: string, jwt: string, from: number, to: number, o: LoadOptions = {}): Promise<number> {
  const perAlert = o.perAlert ?? 1000;
  const perPost = perAlert * (o.alertsPerPost ?? 1);
  const started = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) {
      const start = next;
      const end = Math.min(to, start + perPost);
      next = end;
      const alerts = [];
      for (let i = start; i < end; i += perAlert) alerts.push(importAlert(i, Math.min(end, i + perAlert), o.duration));
      const res = await fetch(`${url}/v1/alerts`, { method: 'POST', headers: { ...AGENT_HEADERS, authorization: `Bearer ${jwt}` }, body: JSON.stringify(alerts) });
      if (res.status !== 201) throw new Error(`POST /v1/alerts answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: o.parallel ?? 1 }, worker));
  return (performance.now() - started) / 1000;
}
