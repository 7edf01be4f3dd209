/**
 * Scenario 7: expiry. A batch of decisions that all run out at once: how long after their end a
 * bouncer polling every 100 ms has been told of every one (our expiry sweep runs each second and
 * ends them all in one transaction; CrowdSec's stream reports expired decisions as it reads).
 * Run: npm run bench:expiry [crowdsec|standalone|embedded ...]
 */
import { importAlert } from '../lib/dataset';
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { AGENT_HEADERS, Target } from '../lib/targets';
import { round } from '../lib/wrk';

const SETTINGS = { decisions: 5000, per_alert: 1000, duration_s: 5, poll_every_ms: 100 };

export interface ExpiryResult {
  /** From the last decision's end to the poll that completed the bouncer's list of deleted ones. */
  told_after_s: number;
  deleted_received: number;
}

type Stream = { new: unknown[] | null; deleted: { value: string }[] | null };

async function poll(url: string, key: string, query = ''): Promise<Stream> {
  const res = await fetch(`${url}/v1/decisions/stream${query}`, { headers: { 'x-api-key': key } });
  if (res.status !== 200) throw new Error(`stream poll answered ${res.status}`);
  return (await res.json()) as Stream;
}

export async function measureExpiry(t: Target): Promise<ExpiryResult> {
  const jwt = await t.login();
  const [key] = await t.addBouncers(1);
  const url = t.decisionUrls[0];
  await poll(url, key, '?startup=true');
  for (let from = 0; from < SETTINGS.decisions; from += SETTINGS.per_alert) {
    const res = await fetch(`${t.ingestUrl}/v1/alerts`, {
      method: 'POST',
      headers: { ...AGENT_HEADERS, authorization: `Bearer ${jwt}` },
      body: JSON.stringify([importAlert(from, from + SETTINGS.per_alert, `${SETTINGS.duration_s}s`)]),
    });
    if (res.status !== 201) throw new Error(`push answered ${res.status}: ${await res.text()}`);
  }
  const lastEnd = Date.now() + SETTINGS.duration_s * 1000;
  const deleted = new Set<string>();
  for (;;) {
    for (const d of (await poll(url, key)).deleted ?? []) deleted.add(d.value);
    if (deleted.size >= SETTINGS.decisions) break;
    if (Date.now() > lastEnd + 120_000) throw new Error(`only ${deleted.size} of ${SETTINGS.decisions} reported deleted 2 minutes after their end`);
    await new Promise((r) => setTimeout(r, SETTINGS.poll_every_ms));
  }
  return { told_after_s: round((Date.now() - lastEnd) / 1000, 2), deleted_received: deleted.size };
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(targetsFromArgs(['crowdsec', 'standalone', 'embedded']), measureExpiry);
    saveResult({ scenario: 'expiry', title: 'Expiry of a batch of decisions', date: new Date().toISOString(), environment: environment(), settings: SETTINGS, runs });
  });
}
