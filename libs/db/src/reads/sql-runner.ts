/**
 * What a read needs from a connection: TypeORM's DataSource and EntityManager fit it, and so does
 * lapictl's plain `pg` client (through `pgRunner`), which answers a list without loading TypeORM.
 */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** A `pg` client or pool as a SqlRunner: its answer's rows, as TypeORM's `query` gives them. */
export function pgRunner(client: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): SqlRunner {
  return { query: async (sql, params) => (await client.query(sql, params)).rows };
}
