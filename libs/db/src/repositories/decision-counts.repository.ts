import { Injectable } from '@nestjs/common';
import { parseCidr, parseIp } from '@lapi/common';
import { DataSource } from 'typeorm';

/**
 * Counts for the profiles' GetDecisionsCount and GetDecisionsSinceCount: every decision (active,
 * ended or expired, until retention removes it) whose range holds the address, in the shared
 * database, so every replica counts the same history.
 */
@Injectable()
export class DecisionCountsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Upstream counts 0 for a value that is no address or range; so do we. */
  async countByValue(value: string, since?: Date): Promise<number> {
    const span = parseIp(value) ?? (value.includes('/') ? parseCidr(value) : undefined);
    if (!span) return 0;
    const params: unknown[] = [span.cidr];
    if (since) params.push(since.toISOString());
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM decisions d WHERE d.ip_range >>= $1::cidr ${since ? 'AND d.created_at > $2::timestamptz' : ''}`,
      params,
    );
    return Number(row.n);
  }
}
