import { SqlRunner } from './sql-runner';

/** Whether a database holds lapi-cluster's tables (its migrations table is the first thing a node creates). */
export async function hasLapiSchema(db: SqlRunner): Promise<boolean> {
  const [row] = await db.query(`SELECT to_regclass('public.migrations') IS NOT NULL AS found`);
  return row.found === true;
}
