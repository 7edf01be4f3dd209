import { DecisionRecord, IpSpan, parseCidr, spanContains } from '@lapi/common';
import { DecisionChanges, DecisionFilter } from '@lapi/db';

/** A decision held in memory, with its IP span parsed once. */
export interface IndexedDecision extends DecisionRecord {
  span?: IpSpan;
  /** scope/value/type: decisions sharing it are duplicates for a bouncer. */
  key: string;
}

interface LogEntry {
  seq: number;
  id: number;
}

/** What applying a batch did: applied, ignored as already seen, or held back behind a gap. */
export type ApplyResult = 'applied' | 'duplicate' | 'gap';

function dedupKey(d: DecisionRecord): string {
  return `${d.scope.toLowerCase()}\u0000${d.value}\u0000${d.type}`;
}

/**
 * Every active decision (and recently ended ones) of this replica, kept current from the bus.
 * Changes are applied strictly in sequence order; a batch that arrives ahead of a missing one
 * waits, and the owner reconciles from the database if the gap does not fill.
 */
export class DecisionIndex {
  private readonly byId = new Map<number, IndexedDecision>();
  /** Active Ip/Range decisions per family, per prefix length, per network address. */
  private readonly networks = { 4: new Map<number, Map<bigint, Set<IndexedDecision>>>(), 6: new Map<number, Map<bigint, Set<IndexedDecision>>>() };
  /** Active decisions of other scopes by lower-cased scope and value. */
  private readonly byScopeValue = new Map<string, Set<IndexedDecision>>();
  /** Active decisions by dedup key. */
  private readonly byKey = new Map<string, Set<IndexedDecision>>();
  private readonly active = new Set<IndexedDecision>();
  /** (seq, id) in seq order; an entry is stale once its decision has a newer seq. */
  private log: LogEntry[] = [];
  private staleInLog = 0;
  private pending: DecisionChanges[] = [];
  private _head = 0;
  /** Deltas from cursors below this cannot be answered from memory. */
  private _coveredFrom = 0;

  get head(): number {
    return this._head;
  }

  get coveredFrom(): number {
    return this._coveredFrom;
  }

  get size(): number {
    return this.active.size;
  }

  /** True while a batch waits for an earlier one. */
  get hasGap(): boolean {
    return this.pending.length > 0;
  }

  /** Replaces nothing: loads a database snapshot taken at `head`, then replays what queued behind it. */
  loadSnapshot(snapshot: { head: number; decisions: DecisionRecord[]; droppedUpTo: number }): void {
    for (const d of snapshot.decisions) if (d.seq > this._head) this.put(d);
    this._coveredFrom = Math.max(this._coveredFrom, snapshot.droppedUpTo);
    this._head = Math.max(this._head, snapshot.head);
    this.drain();
  }

  apply(changes: DecisionChanges): ApplyResult {
    if (changes.toSeq <= this._head) return 'duplicate';
    if (changes.fromSeq > this._head + 1) {
      this.pending.push(changes);
      return 'gap';
    }
    this.applyInOrder(changes);
    this.drain();
    return 'applied';
  }

  private applyInOrder(changes: DecisionChanges): void {
    for (const d of changes.decisions) if (d.seq > this._head) this.put(d);
    this._head = changes.toSeq;
  }

  private drain(): void {
    let progressed = true;
    while (progressed && this.pending.length) {
      progressed = false;
      this.pending = this.pending.filter((c) => c.toSeq > this._head);
      const next = this.pending.find((c) => c.fromSeq <= this._head + 1);
      if (next) {
        this.pending.splice(this.pending.indexOf(next), 1);
        this.applyInOrder(next);
        progressed = true;
      }
    }
  }

  private put(record: DecisionRecord): void {
    const old = this.byId.get(record.id);
    if (old) {
      if (old.seq >= record.seq) return;
      this.unlink(old);
      this.staleInLog++;
    }
    const d: IndexedDecision = { ...record, key: dedupKey(record) };
    if (d.scope === 'Ip' || d.scope === 'Range') d.span = parseCidr(d.value);
    this.byId.set(d.id, d);
    if (!d.ended) this.link(d);
    this.log.push({ seq: d.seq, id: d.id });
  }

  private link(d: IndexedDecision): void {
    this.active.add(d);
    addTo(this.byKey, d.key, d);
    if (d.span) {
      const byPrefix = this.networks[d.span.family];
      let nets = byPrefix.get(d.span.prefix);
      if (!nets) byPrefix.set(d.span.prefix, (nets = new Map()));
      addTo(nets, d.span.start, d);
    } else {
      addTo(this.byScopeValue, `${d.scope.toLowerCase()}\u0000${d.value}`, d);
    }
  }

  private unlink(d: IndexedDecision): void {
    if (!this.active.delete(d)) return;
    removeFrom(this.byKey, d.key, d);
    if (d.span) {
      const byPrefix = this.networks[d.span.family];
      const nets = byPrefix.get(d.span.prefix)!;
      removeFrom(nets, d.span.start, d);
      if (nets.size === 0) byPrefix.delete(d.span.prefix);
    } else {
      removeFrom(this.byScopeValue, `${d.scope.toLowerCase()}\u0000${d.value}`, d);
    }
  }

  /** Active decisions matching a filter, as GET /v1/decisions answers; deduplicated unless told not to. */
  findActive(filter: DecisionFilter, now: number, dedup = true): IndexedDecision[] {
    const out: IndexedDecision[] = [];
    for (const d of this.candidates(filter)) {
      if (d.until > now && matches(d, filter) && (!dedup || this.isLongest(d, filter, now))) out.push(d);
    }
    return out;
  }

  /** Ended decisions still in memory matching a filter whose key has nothing active left (stream startup). */
  findRecentlyEnded(filter: DecisionFilter, now: number): IndexedDecision[] {
    const seen = new Set<string>();
    const out: IndexedDecision[] = [];
    for (const d of this.byId.values()) {
      if (!isEnded(d, now) || seen.has(d.key) || !matches(d, filter) || this.hasActiveTwin(d, filter, now)) continue;
      seen.add(d.key);
      out.push(d);
    }
    return out;
  }

  /**
   * The stream delta for a cursor: decisions created after it that are the longest of their key,
   * and ended ones whose key has nothing active left. Undefined when memory does not reach back
   * to the cursor; the caller then asks the database.
   */
  delta(cursor: number, upTo: number, filter: DecisionFilter, now: number, dedup = true): { created: IndexedDecision[]; ended: IndexedDecision[] } | undefined {
    if (cursor < this._coveredFrom) return undefined;
    const changed: IndexedDecision[] = [];
    for (let i = firstAfter(this.log, cursor); i < this.log.length && this.log[i].seq <= upTo; i++) {
      const entry = this.log[i];
      const d = this.byId.get(entry.id);
      if (d && d.seq === entry.seq) changed.push(d);
    }
    return this.split(changed, filter, now, dedup);
  }

  /**
   * Sorts changed decisions into what a bouncer must add and remove. An ended decision whose
   * key still has an active twin is not a removal: the longest twin is (re)sent instead, so the
   * bouncer keeps blocking for exactly as long as something still says so.
   */
  private split(changed: IndexedDecision[], filter: DecisionFilter, now: number, dedup: boolean): { created: IndexedDecision[]; ended: IndexedDecision[] } {
    const created = new Set<IndexedDecision>();
    const ended: IndexedDecision[] = [];
    const endedKeys = new Set<string>();
    for (const d of changed) {
      if (!matches(d, filter)) continue;
      if (!dedup) {
        if (isEnded(d, now)) ended.push(d);
        else created.add(d);
        continue;
      }
      if (!isEnded(d, now)) {
        if (this.isLongest(d, filter, now)) created.add(d);
        continue;
      }
      const twin = this.longestActive(d.key, filter, now);
      if (twin) created.add(twin);
      else if (!endedKeys.has(d.key)) {
        endedKeys.add(d.key);
        ended.push(d);
      }
    }
    return { created: [...created], ended };
  }

  /** Splits database rows (a delta from before the memory window) the way `delta` would. */
  classify(rows: DecisionRecord[], filter: DecisionFilter, now: number, dedup = true): { created: IndexedDecision[]; ended: IndexedDecision[] } {
    // Prefer our copy of a decision: it may have changed since the rows were read.
    return this.split(rows.map((r) => this.byId.get(r.id) ?? { ...r, key: dedupKey(r) }), filter, now, dedup);
  }

  /** Drops ended decisions older than `keepEndedMs`; cursors below the newest dropped one fall back to the database. */
  evictEnded(now: number, keepEndedMs: number): number {
    let evicted = 0;
    for (const d of this.byId.values()) {
      if (d.ended && d.until < now - keepEndedMs) {
        this.byId.delete(d.id);
        this._coveredFrom = Math.max(this._coveredFrom, d.seq);
        evicted++;
      }
    }
    if (evicted > 0 || this.staleInLog > this.log.length / 2) this.compactLog();
    return evicted;
  }

  private compactLog(): void {
    this.log = this.log.filter((e) => this.byId.get(e.id)?.seq === e.seq);
    this.staleInLog = 0;
  }

  private candidates(filter: DecisionFilter): Iterable<IndexedDecision> {
    if (filter.ip && filter.contains !== false) return this.containing(filter.ip);
    if (filter.value !== undefined && !filter.ip) {
      const scopes = filter.scopes ?? [];
      if (scopes.length === 1 && scopes[0] !== 'Ip' && scopes[0] !== 'Range') {
        return this.byScopeValue.get(`${scopes[0].toLowerCase()}\u0000${filter.value}`) ?? [];
      }
    }
    return this.active;
  }

  /** Active Ip/Range decisions whose span holds all of `q`: one map probe per prefix length in use. */
  private *containing(q: IpSpan): Iterable<IndexedDecision> {
    const bits = q.family === 4 ? 32 : 128;
    for (const [prefix, nets] of this.networks[q.family]) {
      if (prefix > q.prefix) continue;
      const host = BigInt(bits - prefix);
      const found = nets.get((q.start >> host) << host);
      if (found) yield* found;
    }
  }

  private isLongest(d: IndexedDecision, filter: DecisionFilter, now: number): boolean {
    const twins = this.byKey.get(d.key);
    if (!twins || twins.size === 1) return true;
    for (const t of twins) {
      if (t === d || t.until <= now || !matches(t, filter)) continue;
      if (t.until > d.until || (t.until === d.until && t.id > d.id)) return false;
    }
    return true;
  }

  private longestActive(key: string, filter: DecisionFilter, now: number): IndexedDecision | undefined {
    let best: IndexedDecision | undefined;
    for (const t of this.byKey.get(key) ?? []) {
      if (t.until > now && matches(t, filter) && (!best || t.until > best.until || (t.until === best.until && t.id > best.id))) best = t;
    }
    return best;
  }

  private hasActiveTwin(d: IndexedDecision, filter: DecisionFilter, now: number): boolean {
    const twins = this.byKey.get(d.key);
    if (!twins) return false;
    for (const t of twins) if (t !== d && t.until > now && matches(t, filter)) return true;
    return false;
  }
}

function isEnded(d: DecisionRecord, now: number): boolean {
  return d.ended || d.until <= now;
}

/** Does a decision pass every part of a filter? (The IP part is exact here, whatever found the candidate.) */
export function matches(d: IndexedDecision, f: DecisionFilter): boolean {
  if (d.simulated && !f.includeSimulated) return false;
  if (f.scopes && f.scopes.length && !f.scopes.includes(d.scope)) return false;
  if (f.value !== undefined && d.value !== f.value) return false;
  if (f.type !== undefined && d.type !== f.type) return false;
  if (f.origins && f.origins.length && !f.origins.includes(d.origin)) return false;
  if (f.scenario !== undefined && d.scenario !== f.scenario) return false;
  if (f.scenariosContaining?.length) {
    const s = d.scenario.toLowerCase();
    if (!f.scenariosContaining.some((x) => s.includes(x.toLowerCase()))) return false;
  }
  if (f.scenariosNotContaining?.length) {
    const s = d.scenario.toLowerCase();
    if (f.scenariosNotContaining.some((x) => s.includes(x.toLowerCase()))) return false;
  }
  if (f.ip) {
    if (!d.span) return false;
    return f.contains === false ? spanContains(f.ip, d.span) : spanContains(d.span, f.ip);
  }
  return true;
}

function firstAfter(log: LogEntry[], seq: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
