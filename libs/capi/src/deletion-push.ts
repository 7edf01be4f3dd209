import { CapiDeletionsRepository } from '@lapi/db';
import { CapiHttp } from './capi-http';
import { capiMetrics } from './capi-metrics';
import { CapiSession } from './capi-session';

/** Upstream sends deletions in batches of 50, as signals. */
export const DELETION_BATCH = 50;
/** Batches sent per round; the rest wait for the next round. */
const MAX_BATCHES = 100;

/**
 * Reports manual deletions (upstream's POST /v3/decisions/delete, the deleted decisions' uuids)
 * from the outbox, oldest first, removing each batch only once CAPI accepted it: a failure or a
 * restart sends it again, never loses it.
 */
export class DeletionPush {
  constructor(
    private readonly session: CapiSession,
    private readonly http: CapiHttp,
    private readonly deletions: CapiDeletionsRepository,
  ) {}

  async round(): Promise<number> {
    let sent = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const batch = await this.deletions.oldest(DELETION_BATCH);
      if (batch.length === 0) break;
      await this.session.call('deletions', (t) => this.http.pushDeletions(t, batch.map((d) => d.decisionUuid)));
      await this.deletions.accepted(batch.map((d) => d.id));
      sent += batch.length;
      capiMetrics.deletionsPushed.inc(batch.length);
    }
    capiMetrics.deletionsQueued.set(await this.deletions.count());
    return sent;
  }
}
