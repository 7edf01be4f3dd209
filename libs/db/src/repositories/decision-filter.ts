import { IpSpan } from '@lapi/common';

/** Which decisions a request is about; the SQL and the in-memory index read the same filter. */
export interface DecisionFilter {
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

/** Builds the WHERE clauses for a filter on table alias `d`, appending to `params`. */
export function decisionFilterSql(f: DecisionFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (!f.includeSimulated) where.push('NOT d.simulated');
  if (f.scopes?.length) where.push(`d.scope = ANY(${p(f.scopes)}::text[])`);
  if (f.value !== undefined) where.push(`d.value = ${p(f.value)}`);
  if (f.type !== undefined) where.push(`d.type = ${p(f.type)}`);
  if (f.origins?.length) where.push(`d.origin = ANY(${p(f.origins)}::text[])`);
  if (f.scenario !== undefined) where.push(`d.scenario = ${p(f.scenario)}`);
  if (f.scenariosContaining?.length) {
    where.push(`(${f.scenariosContaining.map((s) => `strpos(lower(d.scenario), ${p(s.toLowerCase())}) > 0`).join(' OR ')})`);
  }
  if (f.scenariosNotContaining?.length) {
    where.push(`NOT (${f.scenariosNotContaining.map((s) => `strpos(lower(d.scenario), ${p(s.toLowerCase())}) > 0`).join(' OR ')})`);
  }
  if (f.ip) {
    where.push(f.contains === false ? `d.ip_range <<= ${p(f.ip.cidr)}::cidr` : `d.ip_range >>= ${p(f.ip.cidr)}::cidr`);
  }
  return where;
}
