import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DecisionChanges, DecisionsRepository, NewDecision } from './decisions.repository';

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

  async findActive(origins: string[]): Promise<ActiveCapiDecision[]> {
    const rows = await this.dataSource.query(
      `SELECT id, scope, value, type, origin, scenario, until FROM decisions WHERE NOT ended AND until > now() AND origin = ANY($1::text[])`,
      [origins],
    );
    return rows.map((r: any) => ({ ...r, id: Number(r.id) }));
  }

  /**
   * Ends `endIds` and inserts `inserts`, numbered in the change sequence like any other change.
   * Blocklist decisions belong to no alert (upstream hangs them on one synthetic alert per pull,
   * which retention would then have to spare).
   */
  applyDiff(endIds: number[], inserts: NewDecision[]): Promise<DecisionChanges[]> {
    return this.dataSource.transaction(async (em) => {
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
