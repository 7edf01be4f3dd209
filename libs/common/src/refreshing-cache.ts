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
  /** `at`: when the load that read the value started (what it read may be older than its end). */
  private readonly entries: LRUCache<K, { value: V; at: number }>;
  private readonly loading = new Map<K, Promise<V>>();
  private readonly isFresh: (at: number) => boolean;

  /**
   * `freshness`: how long an entry is trusted (ms), or a test of the time its load started (for
   * an owner that knows when the source last changed, see `revalidate`).
   */
  constructor(
    freshness: number | ((loadStartedAt: number) => boolean),
    private readonly load: (key: K) => Promise<V>,
    maxEntries = 10_000,
  ) {
    this.entries = new LRUCache({ max: maxEntries });
    this.isFresh = typeof freshness === 'number' ? (at) => Date.now() - at < freshness : freshness;
  }

  get(key: K): V | Promise<V> {
    const hit = this.entries.get(key);
    if (hit && this.isFresh(hit.at)) return hit.value;
    return this.loading.get(key) ?? this.shared(key, this.refresh(key, hit?.value));
  }

  /**
   * Loads a key now, whatever its entry's age: its source was just changed here, and the next
   * uses should be answered from memory, not from the database (which may be away by then).
   */
  reload(key: K): Promise<V> {
    return this.shared(key, this.refresh(key, undefined));
  }

  /** The load the requests for `key` share until it settles (unless a newer one took its place). */
  private shared(key: K, load: Promise<V>): Promise<V> {
    const pending = load.finally(() => {
      if (this.loading.get(key) === pending) this.loading.delete(key);
    });
    this.loading.set(key, pending);
    return pending;
  }

  /** Forgets a key at once (a deletion seen on the bus). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /**
   * After the source changed: entries loaded up to `checkedAt` that `stillTrue` accepts (checked
   * against the source as read after `checkedAt`) count as loaded then; the others are forgotten.
   * One loaded in the same millisecond as the check may have read before the change: checked too.
   */
  revalidate(checkedAt: number, stillTrue: (key: K, value: V) => boolean): void {
    for (const [key, entry] of this.entries.entries()) {
      if (entry.at > checkedAt) continue;
      if (stillTrue(key, entry.value)) entry.at = checkedAt;
      else this.entries.delete(key);
    }
  }

  private async refresh(key: K, stale: V | undefined): Promise<V> {
    const at = Date.now();
    let value: V;
    try {
      value = await this.load(key);
    } catch (e) {
      if (stale !== undefined) return stale;
      throw e;
    }
    // A load that started earlier (and read earlier) never replaces a later one's value.
    if (!((this.entries.peek(key)?.at ?? -Infinity) > at)) this.entries.set(key, { value, at });
    return value;
  }
}
