import { IpSpan, parseCidr } from '@lapi/common';
import { DecisionChanges, DecisionFilter, DecisionRecord, FilterableDecision, matchesFilter } from '@lapi/decision-model';
import { MultiMap } from './multi-map';

/** A decision held in memory: what bouncers are sent, and for Ip/Range scopes its network. */
export interface IndexedDecision extends Omit<DecisionRecord, 'createdAt' | 'alertId'>, FilterableDecision {}

/** What applying a batch did: applied, ignored as already seen, or held back behind a gap. */
export type ApplyResult = 'applied' | 'duplicate' | 'gap';

/** scope/value/type: decisions sharing it are duplicates for a bouncer. */
function dedupKey(d: IndexedDecision): string {
  return `${d.scope.toLowerCase()}\u0000${d.value}\u0000${d.type}`;
}

/** Few distinct scenarios, origins, types and scopes, each repeated on many decisions: keep one copy. */
const interned = new Map<string, string>();
function intern(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (interned.size < 100_000) interned.set(s, s);
  return s;
}

function toIndexed(r: DecisionRecord): IndexedDecision {
  const span = r.scope === 'Ip' || r.scope === 'Range' ? parseCidr(r.value) : undefined;
  // One literal shape for every entry keeps V8's hidden class (and memory per entry) small.
  return {
    id: r.id, uuid: r.uuid, until: r.until,
    scenario: intern(r.scenario), type: intern(r.type), scope: intern(r.scope), value: r.value,
    origin: intern(r.origin), simulated: r.simulated, seq: r.seq, ended: r.ended,
    ipFamily: span ? span.family : 0, ipStart: span ? span.start : 0n, ipPrefix: span ? span.prefix : 0,
  };
}

/**
 * The map key of a network. Not the BigInt itself: V8 hashes a BigInt by its low 64 bits only,
 * so every IPv6 /64 (low bits all zero) would land in one hash chain. IPv4 fits a number.
 */
function netKey(family: 4 | 6, start: bigint): number | string {
  return family === 4 ? Number(start) : start.toString(36);
}

/**
 * Every active decision (and recently ended ones) of this replica, kept current from the bus.
 * Changes are applied strictly in sequence order; a batch that arrives ahead of a missing one
 * waits, and the owner reconciles from the database if the gap does not fill.
 */
export class DecisionIndex {
  private readonly byId = new Map<number, IndexedDecision>();
  /** Active Ip/Range decisions per family, per prefix length, per network address. */
  private readonly networks = { 4: new Map<number, MultiMap<number | string, IndexedDecision>>(), 6: new Map<number, MultiMap<number | string, IndexedDecision>>() };
  /** Active decisions of other scopes by lower-cased scope and value. */
  private readonly byScopeValue = new MultiMap<string, IndexedDecision>();
  private activeCount = 0;
  /** (seq, id) pairs in seq order, as two packed number arrays; a pair is stale once its decision has a newer seq. */
  private logSeq: number[] = [];
  private logId: number[] = [];
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
    return this.activeCount;
  }

  /** True while a batch waits for an earlier one. */
  get hasGap(): boolean {
    return this.pending.length > 0;
  }

  /** Loads one chunk of a database snapshot (decisions newer than what we hold). */
  loadChunk(decisions: DecisionRecord[]): void {
    for (const d of decisions) if (d.seq > this._head) this.put(d);
  }

  /** Completes a snapshot taken at `head`, then replays what queued behind it. */
  finishSnapshot(head: number, droppedUpTo: number): void {
    this._coveredFrom = Math.max(this._coveredFrom, droppedUpTo);
    this._head = Math.max(this._head, head);
    this.drain();
  }

  /** A whole snapshot at once. */
  loadSnapshot(snapshot: { head: number; decisions: DecisionRecord[]; droppedUpTo: number }): void {
    this.loadChunk(snapshot.decisions);
    this.finishSnapshot(snapshot.head, snapshot.droppedUpTo);
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
      if (!old.ended) this.unlink(old);
      this.staleInLog++;
    }
    const d = toIndexed(record);
    this.byId.set(d.id, d);
    if (!d.ended) this.link(d);
    this.logSeq.push(d.seq);
    this.logId.push(d.id);
  }

  private link(d: IndexedDecision): void {
    this.activeCount++;
    if (d.ipFamily) {
      const byPrefix = this.networks[d.ipFamily];
      let nets = byPrefix.get(d.ipPrefix);
      if (!nets) byPrefix.set(d.ipPrefix, (nets = new MultiMap()));
      nets.add(netKey(d.ipFamily, d.ipStart), d);
    } else {
      this.byScopeValue.add(`${d.scope.toLowerCase()}\u0000${d.value}`, d);
    }
  }

  private unlink(d: IndexedDecision): void {
    this.activeCount--;
    if (d.ipFamily) {
      const byPrefix = this.networks[d.ipFamily];
      const nets = byPrefix.get(d.ipPrefix)!;
      nets.delete(netKey(d.ipFamily, d.ipStart), d);
      if (nets.size === 0) byPrefix.delete(d.ipPrefix);
    } else {
      this.byScopeValue.delete(`${d.scope.toLowerCase()}\u0000${d.value}`, d);
    }
  }

  /** Active decisions matching a filter, as GET /v1/decisions answers; deduplicated unless told not to. */
  findActive(filter: DecisionFilter, now: number, dedup = true): IndexedDecision[] {
    const out: IndexedDecision[] = [];
    // A stream startup walks every decision: when no key holds two, none can lose to a twin.
    const checkTwins = dedup && this.hasTwins();
    for (const d of this.candidates(filter) ?? this.byId.values()) {
      if (!d.ended && d.until > now && matchesFilter(d, filter) && (!checkTwins || this.isLongest(d, filter, now))) out.push(d);
    }
    return out;
  }

  private hasTwins(): boolean {
    if (this.byScopeValue.sharedKeys > 0) return true;
    for (const family of [this.networks[4], this.networks[6]]) for (const nets of family.values()) if (nets.sharedKeys > 0) return true;
    return false;
  }

  /** Ended decisions still in memory matching a filter whose key has nothing active left (stream startup). */
  findRecentlyEnded(filter: DecisionFilter, now: number): IndexedDecision[] {
    const seen = new Set<string>();
    const out: IndexedDecision[] = [];
    for (const d of this.byId.values()) {
      if (!isEnded(d, now) || !matchesFilter(d, filter) || this.hasActiveTwin(d, filter, now)) continue;
      const key = dedupKey(d);
      if (seen.has(key)) continue;
      seen.add(key);
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
    for (let i = firstAfter(this.logSeq, cursor); i < this.logSeq.length && this.logSeq[i] <= upTo; i++) {
      const d = this.byId.get(this.logId[i]);
      if (d && d.seq === this.logSeq[i]) changed.push(d);
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
      if (!matchesFilter(d, filter)) continue;
      if (!dedup) {
        if (isEnded(d, now)) ended.push(d);
        else created.add(d);
        continue;
      }
      if (!isEnded(d, now)) {
        if (this.isLongest(d, filter, now)) created.add(d);
        continue;
      }
      const twin = this.longestActive(d, filter, now);
      if (twin) created.add(twin);
      else if (!endedKeys.has(dedupKey(d))) {
        endedKeys.add(dedupKey(d));
        ended.push(d);
      }
    }
    return { created: [...created], ended };
  }

  /** Splits database rows (a delta from before the memory window) the way `delta` would. */
  classify(rows: DecisionRecord[], filter: DecisionFilter, now: number, dedup = true): { created: IndexedDecision[]; ended: IndexedDecision[] } {
    // Prefer our copy of a decision: it may have changed since the rows were read.
    return this.split(rows.map((r) => this.byId.get(r.id) ?? toIndexed(r)), filter, now, dedup);
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
    if (evicted > 0 || this.staleInLog > this.logSeq.length / 2) this.compactLog();
    return evicted;
  }

  private compactLog(): void {
    const seqs: number[] = [];
    const ids: number[] = [];
    for (let i = 0; i < this.logSeq.length; i++) {
      if (this.byId.get(this.logId[i])?.seq === this.logSeq[i]) {
        seqs.push(this.logSeq[i]);
        ids.push(this.logId[i]);
      }
    }
    this.logSeq = seqs;
    this.logId = ids;
    this.staleInLog = 0;
  }

  /** The few decisions a filter can match, found through a map; undefined when every decision must be looked at. */
  private candidates(filter: DecisionFilter): readonly IndexedDecision[] | undefined {
    if (filter.ip && filter.contains !== false) return this.containing(filter.ip);
    if (filter.value !== undefined && !filter.ip) {
      const scopes = filter.scopes ?? [];
      if (scopes.length === 1 && scopes[0] !== 'Ip' && scopes[0] !== 'Range') {
        return this.byScopeValue.get(`${scopes[0].toLowerCase()}\u0000${filter.value}`);
      }
    }
    return undefined;
  }

  /** Active Ip/Range decisions whose span holds all of `q`: one map probe per prefix length in use. */
  private containing(q: IpSpan): IndexedDecision[] {
    const out: IndexedDecision[] = [];
    const push = (d: IndexedDecision) => out.push(d);
    if (q.family === 4) {
      // IPv4 network keys are plain numbers (netKey): mask with number arithmetic, no BigInt per probe.
      const addr = Number(q.start);
      for (const [prefix, nets] of this.networks[4]) {
        if (prefix > q.prefix) continue;
        const size = 2 ** (32 - prefix);
        nets.forEach(addr - (addr % size), push);
      }
      return out;
    }
    for (const [prefix, nets] of this.networks[6]) {
      if (prefix > q.prefix) continue;
      const host = BigInt(128 - prefix);
      nets.forEach(netKey(6, (q.start >> host) << host), push);
    }
    return out;
  }

  private isLongest(d: IndexedDecision, filter: DecisionFilter, now: number): boolean {
    if (this.bucketSize(d) <= 1) return true;
    for (const t of this.twinsOf(d)) {
      if (t === d || t.until <= now || !matchesFilter(t, filter)) continue;
      if (t.until > d.until || (t.until === d.until && t.id > d.id)) return false;
    }
    return true;
  }

  private bucketSize(d: IndexedDecision): number {
    return d.ipFamily
      ? (this.networks[d.ipFamily].get(d.ipPrefix)?.count(netKey(d.ipFamily, d.ipStart)) ?? 0)
      : this.byScopeValue.count(`${d.scope.toLowerCase()}\u0000${d.value}`);
  }

  /** Active decisions with the same scope, value and type (the decision itself included if active). */
  private twinsOf(d: IndexedDecision): IndexedDecision[] {
    const bucket = d.ipFamily
      ? (this.networks[d.ipFamily].get(d.ipPrefix)?.get(netKey(d.ipFamily, d.ipStart)) ?? [])
      : this.byScopeValue.get(`${d.scope.toLowerCase()}\u0000${d.value}`);
    return bucket.filter((t) => t.type === d.type && t.value === d.value && t.scope === d.scope);
  }

  private longestActive(d: IndexedDecision, filter: DecisionFilter, now: number): IndexedDecision | undefined {
    let best: IndexedDecision | undefined;
    for (const t of this.twinsOf(d)) {
      if (t.until > now && matchesFilter(t, filter) && (!best || t.until > best.until || (t.until === best.until && t.id > best.id))) best = t;
    }
    return best;
  }

  private hasActiveTwin(d: IndexedDecision, filter: DecisionFilter, now: number): boolean {
    for (const t of this.twinsOf(d)) if (t !== d && t.until > now && matchesFilter(t, filter)) return true;
    return false;
  }
}

function isEnded(d: { ended: boolean; until: number }, now: number): boolean {
  return d.ended || d.until <= now;
}

function firstAfter(seqs: number[], seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqs[mid] <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
