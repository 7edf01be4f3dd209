import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { BouncerEntity } from '../entities';
import { returnedRows } from './decisions.repository';
import { listBouncers } from '../reads';
import type { BaseMetricsUpdate } from './machines.repository';

@Injectable()
export class BouncersRepository {
  private readonly repo: Repository<BouncerEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(BouncerEntity);
  }

  /** Creates a bouncer; false when the name is taken. */
  async create(name: string, apiKeyHash: string, ipAddress = '', autoCreated = false): Promise<boolean> {
    const rows = await this.repo.query(
      `INSERT INTO bouncers (name, api_key_hash, ip_address, auto_created) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [name, apiKeyHash, ipAddress, autoCreated],
    );
    return rows.length > 0;
  }

  /**
   * A bouncer known by its certificate; its key hash is random and matches no key (and keeps
   * deleteByName, which deletes rows sharing a key, to this row alone). No-op when the name is taken.
   */
  async createForCertificate(name: string, ipAddress: string, authType: string): Promise<void> {
    await this.repo.query(
      `INSERT INTO bouncers (name, api_key_hash, ip_address, auth_type, auto_created) VALUES ($1, 'cert:' || md5(random()::text || clock_timestamp()::text), $2, $3, true)
       ON CONFLICT (name) DO NOTHING`,
      [name, ipAddress, authType],
    );
  }

  /** Every row (the bouncer and its per-host `name@ip` rows) that holds this key. */
  findByKeyHash(apiKeyHash: string): Promise<BouncerEntity[]> {
    return this.repo.find({ where: { apiKeyHash }, order: { id: 'ASC' } });
  }

  findByName(name: string): Promise<BouncerEntity | null> {
    return this.repo.findOne({ where: { name } });
  }

  list(): Promise<BouncerEntity[]> {
    return listBouncers(this.repo);
  }

  /** The key hash of a bouncer, by name (to tell other nodes which key to forget). */
  async findByKeyHashOf(name: string): Promise<string[]> {
    const rows = await this.repo.query('SELECT api_key_hash FROM bouncers WHERE name = $1', [name]);
    return rows.map((r: { api_key_hash: string }) => r.api_key_hash);
  }

  /** Deletes a bouncer and every per-host row sharing its key; returns how many rows went. */
  async deleteByName(name: string): Promise<number> {
    const rows = await this.repo.query(
      `DELETE FROM bouncers WHERE api_key_hash IN (SELECT api_key_hash FROM bouncers WHERE name = $1) RETURNING id`,
      [name],
    );
    return returnedRows(rows).length;
  }

  /** Claims a fresh bouncer row for a first use (no IP yet); false when another host claimed it first. */
  async claimForHost(id: number, ipAddress: string): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({ ipAddress, updatedAt: () => 'now()' })
      .where('id = :id AND ip_address = :empty', { id, empty: '' })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /** A call from the bouncer: now is its last pull, and its User-Agent gave this type and version (`crowdsec-firewall-bouncer/v0.0.28`). */
  async recordClient(id: number, type: string, version: string): Promise<void> {
    await this.repo.query('UPDATE bouncers SET type = $2, version = $3, last_pull = now() WHERE id = $1', [id, type, version]);
  }

  /** What a bouncer's usage metrics said of itself; as upstream, the version only when it sent one, and the type stays its User-Agent's. */
  async recordBaseMetrics(id: number, base: BaseMetricsUpdate): Promise<void> {
    await this.repo.query(
      `UPDATE bouncers SET version = coalesce($2, version), os_name = $3, os_family = $4, os_version = $5, feature_flags = $6 WHERE id = $1`,
      [id, base.version ?? null, base.osName, base.osFamily, base.osVersion, base.featureFlags],
    );
  }

  /** Bouncers that have not pulled since `before` (or never, and were created before it), as cscli's prune lists them. */
  inactiveSince(before: Date): Promise<BouncerEntity[]> {
    return listBouncers(this.repo, { where: 'coalesce(last_pull, created_at) < $1', params: [before] });
  }

  /**
   * Deletes these rows alone (not the other rows sharing their keys, as deleteByName does);
   * returns the deleted rows' key hashes, for the other nodes to forget.
   */
  async deleteByIds(ids: number[]): Promise<string[]> {
    const rows = await this.repo.query('DELETE FROM bouncers WHERE id = ANY($1::int[]) RETURNING api_key_hash', [ids]);
    return [...new Set(returnedRows<{ api_key_hash: string }>(rows).map((r) => r.api_key_hash))];
  }


  /** The stream cursor, and the delivery in flight if any (`expired` once its confirmation is overdue). */
  async readCursor(id: number): Promise<{ seq: number; delivering?: { from: number; expired: boolean } } | undefined> {
    const [row] = await this.repo.query(
      'SELECT last_seq, delivering_from, delivering_until <= now() AS expired FROM bouncers WHERE id = $1',
      [id],
    );
    if (!row) return undefined;
    const delivering = row.delivering_from === null ? undefined : { from: Number(row.delivering_from), expired: row.expired === true };
    return { seq: Number(row.last_seq), delivering };
  }

  /**
   * Moves the cursor from `expected` to `seq` before a reply goes out and records the delivery in
   * flight, to be confirmed within `confirmWithinMs`. Compare-and-set: 'raced' when another poll
   * moved the cursor or has a delivery in flight since `expected` was read (the caller reads it
   * again), 'ahead' when `seq` is past the database head (the caller's index cannot be trusted).
   */
  async startDelivery(id: number, expected: number, from: number, seq: number, deliveryId: number, confirmWithinMs: number): Promise<'started' | 'raced' | 'ahead'> {
    const [row] = await this.repo.query(
      `WITH h AS (SELECT seq FROM change_head WHERE id = 1),
       u AS (UPDATE bouncers SET last_seq = $3, last_pull = now(), delivering_from = $2,
               delivering_until = now() + ($5::int * interval '1 millisecond'), delivery_id = $4
             WHERE id = $1 AND last_seq = $6 AND delivering_from IS NULL AND $3 <= (SELECT seq FROM h) RETURNING id)
       SELECT (SELECT count(*) FROM u)::int AS started, (SELECT seq FROM h) AS head`,
      [id, from, seq, deliveryId, confirmWithinMs, expected],
    );
    if (row.started > 0) return 'started';
    return Number(row.head) < seq ? 'ahead' : 'raced';
  }

  /** The reply is out: the delivery is done (unless a later one replaced it). */
  async confirmDelivery(id: number, deliveryId: number): Promise<void> {
    await this.repo.query(
      'UPDATE bouncers SET delivering_from = NULL, delivering_until = NULL, delivery_id = NULL WHERE id = $1 AND delivery_id = $2',
      [id, deliveryId],
    );
  }

  /** The reply did not get out: the next poll sends it again. */
  async failDelivery(id: number, deliveryId: number): Promise<void> {
    await this.repo.query('UPDATE bouncers SET delivering_until = now() WHERE id = $1 AND delivery_id = $2', [id, deliveryId]);
  }

  /** Takes back an overdue delivery: the cursor returns to where it started. */
  async resumeFrom(id: number, from: number): Promise<void> {
    await this.repo.query(
      'UPDATE bouncers SET last_seq = $2, delivering_from = NULL, delivering_until = NULL, delivery_id = NULL WHERE id = $1 AND delivering_from = $2',
      [id, from],
    );
  }

  /** Records a pull that delivered nothing new. */
  async recordPullOnly(id: number): Promise<void> {
    await this.repo.query('UPDATE bouncers SET last_pull = now() WHERE id = $1', [id]);
  }
}
