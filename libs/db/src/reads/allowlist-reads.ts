import { SqlRunner } from './sql-runner';

export interface AllowlistRow {
  id: string;
  name: string;
  description: string;
  allowlistId: string;
  fromConsole: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Entries not expired. */
  size: number;
}

export interface AllowlistItemRow {
  allowlistId: string;
  value: string;
  comment: string;
  expiresAt: Date | null;
  createdAt: Date;
}

/** An entry that holds, or lies inside, the address or range asked about. */
export interface AllowlistMatch {
  name: string;
  value: string;
  comment: string;
}

const LIST_COLUMNS = `a.id, a.name, a.description, a.allowlist_id AS "allowlistId", a.from_console AS "fromConsole",
  a.created_at AS "createdAt", a.updated_at AS "updatedAt",
  (SELECT count(*)::int FROM allowlist_items i WHERE i.allowlist_id = a.id AND (i.expires_at IS NULL OR i.expires_at > now())) AS size`;

export function listAllowlists(db: SqlRunner): Promise<AllowlistRow[]> {
  return db.query(`SELECT ${LIST_COLUMNS} FROM allowlists a ORDER BY a.name`);
}

export async function findAllowlist(db: SqlRunner, name: string): Promise<AllowlistRow | undefined> {
  const [row] = await db.query(`SELECT ${LIST_COLUMNS} FROM allowlists a WHERE a.name = $1`, [name]);
  return row;
}

/** The entries of some lists, oldest first; expired ones only when asked (inspect shows them, the API does not). */
export function allowlistItems(db: SqlRunner, allowlistIds: string[], withExpired: boolean): Promise<AllowlistItemRow[]> {
  return db.query(
    `SELECT allowlist_id::text AS "allowlistId", value, comment, expires_at AS "expiresAt", created_at AS "createdAt"
     FROM allowlist_items WHERE allowlist_id = ANY($1::bigint[]) ${withExpired ? '' : 'AND (expires_at IS NULL OR expires_at > now())'}
     ORDER BY id`,
    [allowlistIds],
  );
}

/**
 * Active entries that cover a canonical CIDR, or that it covers (upstream matches both ways: a
 * range holding an allowlisted office is allowlisted too), sorted by list name as upstream's reason.
 */
export function allowlistedBy(db: SqlRunner, cidr: string): Promise<AllowlistMatch[]> {
  return db.query(
    `SELECT a.name, i.value, i.comment FROM allowlist_items i JOIN allowlists a ON a.id = i.allowlist_id
     WHERE (i.expires_at IS NULL OR i.expires_at > now()) AND (i.ip_range >>= $1::cidr OR i.ip_range <<= $1::cidr)
     ORDER BY a.name, i.id`,
    [cidr],
  );
}

/** Which of several CIDRs are allowlisted (by their index in `cidrs`), with their matches: one query for a whole push. */
export async function allowlistedAmong(db: SqlRunner, cidrs: string[]): Promise<Map<number, AllowlistMatch[]>> {
  const found = new Map<number, AllowlistMatch[]>();
  if (cidrs.length === 0) return found;
  const rows: (AllowlistMatch & { n: number })[] = await db.query(
    `SELECT (t.n - 1)::int AS n, a.name, i.value, i.comment
     FROM unnest($1::cidr[]) WITH ORDINALITY AS t(target, n)
     JOIN allowlist_items i ON (i.ip_range >>= t.target OR i.ip_range <<= t.target) AND (i.expires_at IS NULL OR i.expires_at > now())
     JOIN allowlists a ON a.id = i.allowlist_id
     ORDER BY a.name, i.id`,
    [cidrs],
  );
  for (const r of rows) found.set(r.n, [...(found.get(r.n) ?? []), { name: r.name, value: r.value, comment: r.comment }]);
  return found;
}
