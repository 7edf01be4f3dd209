import type { IpSpan } from '@lapi/common/light';
import type { DecisionRecord } from './decision-record';

/** Which decisions a request is about; the SQL and the in-memory index read the same filter. */
export interface DecisionFilter {
  /** Decisions of one of these scopes (canonical spelling: normalizeScope); an empty list matches none. */
  scopes?: string[];
  value?: string;
  type?: string;
  origins?: string[];
  /** Exact scenario (DELETE /v1/decisions?scenario=). */
  scenario?: string;
  /** Case-insensitive substrings: keep decisions whose scenario has any / none of them. */
  scenariosContaining?: string[];
  scenariosNotContaining?: string[];
  /** With `contains` (default true): decisions whose range holds this span; else those inside it. */
  ip?: IpSpan;
  contains?: boolean;
  /** Simulated decisions are left out unless this is true. */
  includeSimulated?: boolean;
}

/** What the in-memory form of a rule reads: a decision's fields, and for Ip/Range scopes its network. */
export interface FilterableDecision extends Pick<DecisionRecord, 'scope' | 'value' | 'type' | 'origin' | 'scenario' | 'simulated'> {
  /** 4 or 6 for Ip and Range decisions, 0 for other scopes. */
  ipFamily: 0 | 4 | 6;
  ipStart: bigint;
  ipPrefix: number;
}

/** Adds a query parameter and returns its placeholder (`$3`). */
type Param = (value: unknown) => string;

/**
 * One rule of the filter, in both forms: a WHERE clause on table alias `d` (Postgres, the
 * embedded database) and a test on a decision in memory (the index). Each form answers
 * undefined / true when the filter does not use the rule. filter-parity.int.spec.ts runs one
 * table of cases through both.
 */
interface FilterRule {
  sql(f: DecisionFilter, p: Param): string | undefined;
  test(d: FilterableDecision, f: DecisionFilter): boolean;
}

/** A rule on one field of the filter, applied only when the filter sets it (a list: non-empty). */
function when<K extends keyof DecisionFilter>(
  key: K,
  sql: (v: NonNullable<DecisionFilter[K]>, p: Param) => string,
  test: (d: FilterableDecision, v: NonNullable<DecisionFilter[K]>) => boolean,
): FilterRule {
  const set = (f: DecisionFilter): f is DecisionFilter & Record<K, NonNullable<DecisionFilter[K]>> => {
    const v = f[key];
    return v !== undefined && (!Array.isArray(v) || v.length > 0);
  };
  return { sql: (f, p) => (set(f) ? sql(f[key], p) : undefined), test: (d, f) => !set(f) || test(d, f[key]) };
}

const containsAny = (scenario: string, parts: string[]) => {
  const s = scenario.toLowerCase();
  return parts.some((x) => s.includes(x.toLowerCase()));
};
const containsAnySql = (parts: string[], p: Param) => `(${parts.map((s) => `strpos(lower(d.scenario), ${p(s.toLowerCase())}) > 0`).join(' OR ')})`;

const RULES: FilterRule[] = [
  { sql: (f) => (f.includeSimulated ? undefined : 'NOT d.simulated'), test: (d, f) => !!f.includeSimulated || !d.simulated },
  // Not `when`: an empty list of scopes is a filter (`scope=Ip&scopes=Range` asks for both, so none).
  { sql: (f, p) => (f.scopes === undefined ? undefined : `d.scope = ANY(${p(f.scopes)}::text[])`), test: (d, f) => f.scopes === undefined || f.scopes.includes(d.scope) },
  when('value', (v, p) => `d.value = ${p(v)}`, (d, v) => d.value === v),
  when('type', (v, p) => `d.type = ${p(v)}`, (d, v) => d.type === v),
  when('origins', (v, p) => `d.origin = ANY(${p(v)}::text[])`, (d, v) => v.includes(d.origin)),
  when('scenario', (v, p) => `d.scenario = ${p(v)}`, (d, v) => d.scenario === v),
  when('scenariosContaining', (v, p) => containsAnySql(v, p), (d, v) => containsAny(d.scenario, v)),
  when('scenariosNotContaining', (v, p) => `NOT ${containsAnySql(v, p)}`, (d, v) => !containsAny(d.scenario, v)),
  {
    // ip_range is null for other scopes, so they never match an IP filter, in either form.
    sql: (f, p) => (f.ip === undefined ? undefined : f.contains === false ? `d.ip_range <<= ${p(f.ip.cidr)}::cidr` : `d.ip_range >>= ${p(f.ip.cidr)}::cidr`),
    test: (d, f) => f.ip === undefined || (f.contains === false ? inside(d, f.ip) : holds(d, f.ip)),
  },
];

/** The WHERE clauses of a filter on table alias `d`, appending their values to `params`. */
export function decisionFilterSql(f: DecisionFilter, params: unknown[]): string[] {
  const p: Param = (v) => {
    params.push(v);
    return `$${params.length}`;
  };
  return RULES.map((r) => r.sql(f, p)).filter((w): w is string => w !== undefined);
}

/** Does a decision pass every rule of a filter? (The IP rule is exact here, whatever found the candidate.) */
export function matchesFilter(d: FilterableDecision, f: DecisionFilter): boolean {
  return RULES.every((r) => r.test(d, f));
}

const BITS = { 4: 32, 6: 128 } as const;

/** Does the decision's network hold all of `q`? */
function holds(d: FilterableDecision, q: IpSpan): boolean {
  if (d.ipFamily !== q.family || q.prefix < d.ipPrefix) return false;
  const host = BigInt(BITS[q.family] - d.ipPrefix);
  return q.start >> host === d.ipStart >> host;
}

/** Is the decision's network inside `q`? */
function inside(d: FilterableDecision, q: IpSpan): boolean {
  if (d.ipFamily !== q.family || d.ipPrefix < q.prefix) return false;
  const host = BigInt(BITS[q.family] - q.prefix);
  return d.ipStart >> host === q.start >> host;
}
