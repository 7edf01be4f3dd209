/**
 * A map from key to one or more values that stores a lone value bare and only makes an array
 * for the rare key with several: most keys (an IP, a range) hold exactly one decision, and a Set
 * per key would cost more than the decision itself.
 */
export class MultiMap<K, V> {
  private readonly map = new Map<K, V | V[]>();
  private _sharedKeys = 0;

  get size(): number {
    return this.map.size;
  }

  /** How many keys hold more than one value: when none do, no value has a twin to compare with. */
  get sharedKeys(): number {
    return this._sharedKeys;
  }

  add(key: K, value: V): void {
    const cur = this.map.get(key);
    if (cur === undefined) this.map.set(key, value);
    else if (Array.isArray(cur)) cur.push(value);
    else {
      this.map.set(key, [cur, value]);
      this._sharedKeys++;
    }
  }

  delete(key: K, value: V): void {
    const cur = this.map.get(key);
    if (cur === value) this.map.delete(key);
    else if (Array.isArray(cur)) {
      const i = cur.indexOf(value);
      if (i >= 0) cur.splice(i, 1);
      if (cur.length === 1) {
        this.map.set(key, cur[0]);
        this._sharedKeys--;
      }
    }
  }

  /** The values under a key (a fresh array only for several). */
  get(key: K): readonly V[] {
    const cur = this.map.get(key);
    if (cur === undefined) return EMPTY;
    return Array.isArray(cur) ? cur : [cur];
  }

  /** Calls `fn` for each value under a key without allocating. */
  forEach(key: K, fn: (value: V) => void): void {
    const cur = this.map.get(key);
    if (cur === undefined) return;
    if (Array.isArray(cur)) for (const v of cur) fn(v);
    else fn(cur);
  }

  count(key: K): number {
    const cur = this.map.get(key);
    return cur === undefined ? 0 : Array.isArray(cur) ? cur.length : 1;
  }

  *values(): IterableIterator<V> {
    for (const cur of this.map.values()) {
      if (Array.isArray(cur)) yield* cur;
      else yield cur;
    }
  }
}

const EMPTY: readonly never[] = [];
