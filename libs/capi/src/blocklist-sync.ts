import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { parseCidr, parseDuration, parseIp } from '@lapi/common';
import { ActiveCapiDecision, CapiDecisionsRepository, CapiStateRepository, NewDecision } from '@lapi/db';
import { DecisionChanges, normalizeScope } from '@lapi/decision-model';
import { BlocklistLink, CapiHttp, CommunityStream } from './capi-http';
import { capiMetrics } from './capi-metrics';
import { CapiSession } from './capi-session';

export const CAPI_ORIGIN = 'CAPI';
export const LISTS_ORIGIN = 'lists';
/** A kept decision that would run out before the pull after next is replaced by a fresh one. */
const RENEW_WITHIN_MS = 5 * 3600_000;

export interface PullResult {
  added: number;
  ended: number;
  kept: number;
}

const keyOf = (d: { scope: string; value: string; type: string; origin: string; scenario: string }) =>
  d.origin === LISTS_ORIGIN ? `${d.origin}|${d.scenario}|${d.scope}|${d.value}|${d.type}` : `${d.origin}|${d.scope}|${d.value}|${d.type}`;

/**
 * Pulls the community blocklist and its links into decisions, sending bouncers only what
 * changed: new entries are inserted, entries gone from the list are ended, the rest is kept.
 * (Upstream deletes and re-inserts the whole list, so every bouncer gets all of it every 2 h.)
 */
export class BlocklistSync {
  private readonly logger = new Logger('Capi');

  constructor(
    private readonly session: CapiSession,
    private readonly http: CapiHttp,
    private readonly state: CapiStateRepository,
    private readonly decisions: CapiDecisionsRepository,
    private readonly publish: (changes: DecisionChanges) => Promise<void>,
  ) {}

  async pull(): Promise<PullResult> {
    const stream = await this.session.call('blocklist', (t) => this.http.communityStream(t));
    const wanted = new Map<string, NewDecision>();
    for (const d of communityDecisions(stream)) wanted.set(keyOf(d), d);
    const unchangedLists = new Set<string>();
    const fetchedLinks: { url: string; lastModified?: string }[] = [];
    for (const link of stream.links?.blocklists ?? []) {
      const fetched = await this.http.fetchLink(link.url, await this.state.linkLastModified(link.url));
      if (!fetched) {
        unchangedLists.add(link.name);
        continue;
      }
      fetchedLinks.push({ url: link.url, lastModified: fetched.lastModified });
      for (const d of linkDecisions(link, fetched.values)) wanted.set(keyOf(d), d);
    }
    let kept = 0;
    let ended = 0;
    const changes = await this.decisions.replace([CAPI_ORIGIN, LISTS_ORIGIN], (active) => {
      const endIds = diff(active, wanted, unchangedLists, Date.now());
      [kept, ended] = [active.length - endIds.length, endIds.length];
      return { endIds, inserts: [...wanted.values()] };
    });
    for (const c of changes) await this.publish(c);
    // Remembered only once the list's decisions are written: a failed write fetches it again.
    for (const l of fetchedLinks) if (l.lastModified) await this.state.setLinkLastModified(l.url, l.lastModified);
    const result = { added: wanted.size, ended, kept };
    capiMetrics.blocklistChanges.inc({ change: 'added' }, result.added);
    capiMetrics.blocklistChanges.inc({ change: 'ended' }, result.ended);
    capiMetrics.blocklistActive.set(result.added + result.kept);
    this.logger.log(`community blocklist pulled: ${result.added} added, ${result.ended} ended, ${result.kept} unchanged`);
    return result;
  }
}

/**
 * What to end: active decisions no longer wanted, duplicates, and those about to run out (their
 * fresh copy stays in `wanted`). What is kept is removed from `wanted`, which is left holding
 * only the inserts.
 */
export function diff(active: ActiveCapiDecision[], wanted: Map<string, NewDecision>, unchangedLists: Set<string>, now: number): number[] {
  const ends: number[] = [];
  const kept = new Set<string>();
  for (const a of active) {
    const key = keyOf(a);
    if (kept.has(key)) ends.push(a.id);
    else if (a.origin === LISTS_ORIGIN && unchangedLists.has(a.scenario)) kept.add(key);
    else if (wanted.has(key) && worthKeeping(a.until.getTime(), wanted.get(key)!.until.getTime(), now)) {
      kept.add(key);
      wanted.delete(key);
    } else ends.push(a.id);
  }
  return ends;
}

/** Kept unless it runs out soon and the fresh copy would last much longer (no churn on every pull). */
function worthKeeping(until: number, freshUntil: number, now: number): boolean {
  return until > now + RENEW_WITHIN_MS || freshUntil <= until + RENEW_WITHIN_MS;
}

export function communityDecisions(stream: CommunityStream, now = Date.now()): NewDecision[] {
  const deleted = new Set((stream.deleted ?? []).flatMap((g) => g.decisions.map((v) => `${normalizeScope(g.scope)}|${v}`)));
  const out: NewDecision[] = [];
  for (const group of stream.new ?? []) {
    const scope = normalizeScope(group.scope);
    for (const d of group.decisions ?? []) {
      if (deleted.has(`${scope}|${d.value}`)) continue;
      const made = newDecision(scope, d.value, d.duration, 'ban', CAPI_ORIGIN, group.scenario, now);
      if (made) out.push(made);
    }
  }
  return out;
}

export function linkDecisions(link: BlocklistLink, values: string[], now = Date.now()): NewDecision[] {
  const scope = normalizeScope(link.scope);
  return values.map((v) => newDecision(scope, v, link.duration, link.remediation || 'ban', LISTS_ORIGIN, link.name, now)).filter((d): d is NewDecision => !!d);
}

/** One blocklist entry as a decision; entries with a bad value or duration are skipped. */
function newDecision(scope: string, value: string, duration: string, type: string, origin: string, scenario: string, now: number): NewDecision | undefined {
  const ms = parseDuration(duration);
  if (ms === undefined || ms <= 0) return undefined;
  let ipRange: string | null = null;
  if (scope === 'Ip') ipRange = parseIp(value)?.cidr ?? null;
  else if (scope === 'Range') ipRange = value.includes('/') ? (parseCidr(value)?.cidr ?? null) : null;
  if ((scope === 'Ip' || scope === 'Range') && !ipRange) return undefined;
  return { uuid: randomUUID(), until: new Date(now + ms), scenario, type, scope, value, origin, simulated: false, ipRange };
}
