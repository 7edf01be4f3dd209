import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BouncerEntity, MachineEntity } from '../entities';
import { listBouncers, listMachines } from '../reads';

/** Who pushed a usage metrics payload: a log processor (agent) or a remediation component (bouncer), as upstream's ent enum. */
export type UsageMetricsSource = 'LP' | 'RC';

export interface StoredUsageMetrics {
  id: string;
  generatedType: UsageMetricsSource;
  generatedBy: string;
  receivedAt: Date;
  payload: unknown;
}

/** The usage metrics agents and bouncers push (upstream's `metrics` table), kept for the retention window. */
@Injectable()
export class UsageMetricsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(generatedType: UsageMetricsSource, generatedBy: string, payload: unknown): Promise<void> {
    await this.dataSource.query('INSERT INTO usage_metrics (generated_type, generated_by, payload) VALUES ($1, $2, $3::jsonb)', [
      generatedType,
      generatedBy,
      JSON.stringify(payload),
    ]);
  }


  /** The oldest payloads not yet pushed to the Central API. */
  unpushed(limit: number): Promise<StoredUsageMetrics[]> {
    return this.dataSource.query(
      `SELECT id, generated_type AS "generatedType", generated_by AS "generatedBy", received_at AS "receivedAt", payload
       FROM usage_metrics WHERE pushed_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
  }

  async markPushed(ids: string[]): Promise<void> {
    await this.dataSource.query('UPDATE usage_metrics SET pushed_at = now() WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Every machine and bouncer, with what they told of themselves, for the Central API's usage report. */
  async fleet(): Promise<{ machines: MachineEntity[]; bouncers: BouncerEntity[] }> {
    return { machines: await listMachines(this.dataSource), bouncers: await listBouncers(this.dataSource) };
  }
}
