import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface QueuedDeletion {
  id: string;
  decisionUuid: string;
}

/**
 * Queues the uuids of decisions a machine or an operator deleted, inside the transaction that
 * ended them, so the deletion and its CAPI report commit or fail together. Only for a site
 * registered and enrolled with the console: upstream reports deletions through its console
 * (PAPI) client, which only enrolled sites run.
 */
export async function queueCapiDeletions(em: EntityManager, decisionUuids: string[]): Promise<void> {
  if (decisionUuids.length === 0) return;
  await em.query(
    `INSERT INTO capi_deletions (decision_uuid)
     SELECT u FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, n)
     WHERE EXISTS (SELECT 1 FROM capi_state WHERE id = 1 AND enrolled AND machine_id IS NOT NULL)
     ORDER BY n`,
    [decisionUuids],
  );
}

/** The deletion outbox: rows leave it only once CAPI has accepted them. */
@Injectable()
export class CapiDeletionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async oldest(limit: number): Promise<QueuedDeletion[]> {
    const rows = await this.dataSource.query('SELECT id, decision_uuid FROM capi_deletions ORDER BY id LIMIT $1', [limit]);
    return rows.map((r: { id: string | number; decision_uuid: string }) => ({ id: String(r.id), decisionUuid: r.decision_uuid }));
  }

  async accepted(ids: string[]): Promise<void> {
    await this.dataSource.query('DELETE FROM capi_deletions WHERE id = ANY($1::bigint[])', [ids]);
  }

  async count(): Promise<number> {
    const [r] = await this.dataSource.query('SELECT count(*)::int AS n FROM capi_deletions');
    return r.n;
  }
}
