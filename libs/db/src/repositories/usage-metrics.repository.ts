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

  /** Bouncers and machines heard from within `withinMs`, counted by client; each bouncer's seconds since its last pull. */
  async fleetGauges(withinMs: number): Promise<{
    bouncers: { type: string; version: string; n: number }[];
    machines: { version: string; n: number }[];
    pullAges: { name: string; type: string; age: number }[];
  }> {
    const since = new Date(Date.now() - withinMs);
    return {
      bouncers: await this.dataSource.query('SELECT type, version, count(*)::int AS n FROM bouncers WHERE last_pull >= $1 GROUP BY type, version', [since]),
      machines: await this.dataSource.query('SELECT version, count(*)::int AS n FROM machines WHERE last_heartbeat >= $1 GROUP BY version', [since]),
      pullAges: await this.dataSource.query(
        'SELECT name, type, extract(epoch FROM now() - last_pull)::float8 AS age FROM bouncers WHERE last_pull IS NOT NULL ORDER BY name LIMIT 10000',
      ),
    };
  }
}
