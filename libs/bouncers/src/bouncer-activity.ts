import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

/** A bouncer's last pull is written at most this often per row and process (upstream: once a minute on lookups). */
export const RECORD_PULL_EVERY_MS = 60_000;

/** The client a User-Agent names, as upstream's API key middleware splits it: `type/version`, else the whole header as the type and `N/A`. */
export function parseBouncerUserAgent(userAgent: string): { type: string; version: string } {
  const parts = userAgent.split('/');
  return parts.length === 2 ? { type: parts[0], version: parts[1] } : { type: userAgent, version: 'N/A' };
}

/** What the database holds of a bouncer row, as the key cache loaded it. */
export interface KnownBouncer {
  id: number;
  type: string;
  version: string;
  lastPull: Date | null;
}

interface Recorded {
  userAgent: string;
  at: number;
}

/**
 * Records which client each bouncer runs (its User-Agent) and when it last called, without
 * slowing its requests: a request whose User-Agent is the one recorded, within a minute of the
 * last write, costs a map lookup; otherwise one UPDATE is sent and not waited for.
 */
export class BouncerActivity {
  private readonly logger = new Logger('BouncerActivity');
  private readonly recorded: LRUCache<number, Recorded>;

  constructor(
    private readonly write: (id: number, type: string, version: string) => Promise<void>,
    max: number,
    private readonly now: () => number = Date.now,
  ) {
    this.recorded = new LRUCache({ max });
  }

  seen(row: KnownBouncer, userAgentHeader: string | string[] | undefined): void {
    const userAgent = (Array.isArray(userAgentHeader) ? userAgentHeader[0] : userAgentHeader) ?? '';
    const now = this.now();
    const last = this.recorded.get(row.id) ?? this.fromDatabase(row, userAgent);
    if (last && last.userAgent === userAgent && now - last.at < RECORD_PULL_EVERY_MS) return;
    this.recorded.set(row.id, { userAgent, at: now });
    const { type, version } = parseBouncerUserAgent(userAgent);
    this.write(row.id, type, version).catch((e: Error) => {
      this.recorded.delete(row.id);
      this.logger.warn(`bouncer ${row.id}'s client and last pull not recorded: ${e.message}`);
    });
  }

  /** A process that just started trusts what the database already holds, so a restart does not rewrite every row. */
  private fromDatabase(row: KnownBouncer, userAgent: string): Recorded | undefined {
    const { type, version } = parseBouncerUserAgent(userAgent);
    if (row.type !== type || row.version !== version || !row.lastPull) return undefined;
    return { userAgent, at: new Date(row.lastPull).getTime() };
  }
}
