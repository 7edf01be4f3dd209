import { CapiSignalsRepository } from '@lapi/db';
import { CapiHttp } from './capi-http';
import { capiMetrics } from './capi-metrics';
import { CapiSession } from './capi-session';

/** CAPI takes at most 50 signals per call. */
export const SIGNAL_BATCH = 50;
/** Alerts moved into the outbox per round. */
const ENQUEUE_LIMIT = 5000;
/** Batches sent per round; the rest wait for the next round. */
const MAX_BATCHES = 100;

/**
 * Shares alerts as signals: copies new alerts into the outbox, then sends it oldest first in
 * batches of at most 50, removing each batch only once CAPI accepted it.
 */
export class SignalPush {
  constructor(
    private readonly session: CapiSession,
    private readonly http: CapiHttp,
    private readonly signals: CapiSignalsRepository,
    /** Upstream's share_manual_decisions. */
    private readonly shareManual = false,
  ) {}

  async round(): Promise<number> {
    await this.signals.enqueueNewAlerts(ENQUEUE_LIMIT, this.shareManual);
    let sent = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const batch = await this.signals.oldest(SIGNAL_BATCH);
      if (batch.length === 0) break;
      await this.session.call('signals', (t) => this.http.pushSignals(t, batch.map((s) => s.payload)));
      await this.signals.accepted(batch.map((s) => s.id));
      sent += batch.length;
      capiMetrics.signalsPushed.inc(batch.length);
    }
    capiMetrics.signalsQueued.set(await this.signals.count());
    return sent;
  }
}
