import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DecisionChanges } from '@lapi/decision-model';
import { DecisionsRepository, NewDecision } from './decisions.repository';

/** An active decision that came from CAPI (origin CAPI or lists). */
export interface ActiveCapiDecision {
  id: number;
  scope: string;
  value: string;
  type: string;
  origin: string;
  scenario: string;
  until: Date;
}

/** The community blocklist's decisions: read the active ones, apply a diff in one transaction. */
@Injectable()
export class CapiDecisionsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly decisions: DecisionsRepository,
  ) {}

  async findActive(origins: string[], em: EntityManager = this.dataSource.manager): Promise<ActiveCapiDecision[]> {
    const rows = await em.query(
      `SELECT id, scope, value, type, origin, scenario, until FROM decisions WHERE NOT ended AND until > now() AND origin = ANY($1::text[])`,
      [origins],
    );
    return rows.map((r: any) => ({ ...r, id: Number(r.id) }));
  }

  /**
   * Reads the active decisions of `origins`, lets `plan` say what to end and insert, and does it,
   * numbered in the change sequence like any other change. The CAPI state row is locked
   * throughout, so two pulls (a leader that lost its lease and its successor) never diff against
   * the same stale read. Blocklist decisions belong to no alert (upstream hangs them on one
   * synthetic alert per pull, which retention would then have to spare).
   */
  replace(origins: string[], plan: (active: ActiveCapiDecision[]) => { endIds: number[]; inserts: NewDecision[] }): Promise<DecisionChanges[]> {
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT 1 FROM capi_state WHERE id = 1 FOR UPDATE');
      const { endIds, inserts } = plan(await this.findActive(origins, em));
      const out: DecisionChanges[] = [];
      if (endIds.length) {
        const ended = await this.decisions.endInTransaction(em, ['d.id = ANY($1::bigint[])'], [endIds]);
        if (ended) out.push(ended);
      }
      if (inserts.length) {
        // A null alert id: the column is nullable, the insert casts the array to bigint[].
        const inserted = await this.decisions.insertInTransaction(em, [null as unknown as string], [inserts]);
        if (inserted) out.push(inserted);
      }
      return out;
    });
  }
}
