import { LRUCache } from 'lru-cache';

/**
 * A keyed cache whose entries are trusted for `ttlMs`. When one runs out, the requests that arrive
 * together share one load: a bouncer polling hundreds of times a second with the same key would
 * otherwise send that many identical queries at once and queue on the database pool. If the load
 * fails (the database briefly away), the last known value is served instead of failing everyone.
 * At most `maxEntries` are kept, least recently used first out. Keys in use stay recent; a flood
 * of more distinct unknown keys than that can still push some out, which then costs their next
 * use one database read, never a wrong answer.
 */
export class RefreshingCache<K extends NonNullable<unknown>, V> {
  private readonly entries: LRUCache<K, { value: V; at: number }>;
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly load: (key: K) => Promise<V>,
    maxEntries = 10_000,
  ) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  get(key: K): V | Promise<V> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.refresh(key, hit?.value).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Forgets a key at once (a deletion seen on the bus). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  private async refresh(key: K, stale: V | undefined): Promise<V> {
    let value: V;
    try {
      value = await this.load(key);
    } catch (e) {
      if (stale !== undefined) return stale;
      throw e;
    }
    this.entries.set(key, { value, at: Date.now() });
    return value;
  }
}
