import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { BouncerEntity } from '../entities';
import { returnedRows } from './decisions.repository';
import { listBouncers } from '../reads';
import type { BaseMetricsUpdate } from './machines.repository';

/** One stream poll: the bouncer (host row), whether it asked for startup, the head its replica answers to, and an id for the delivery it may start. */
export interface CursorPoll {
  id: number;
  startup: boolean;
  head: number;
  deliveryId: number;
}

/** What a poll's reply runs from, and whether it is a delivery to confirm; see takeCursors. */
export interface CursorTake {
  id: number;
  outcome: 'started' | 'nothing' | 'busy' | 'ahead';
  from: number;
}

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

  /** Changes when a row is added, deleted, or claimed for a host: what the key caches depend on. */
  async tableVersion(): Promise<string> {
    const [row] = await this.repo.query("SELECT count(*)::text AS n, coalesce(max(id), 0)::text AS top, coalesce(max(updated_at)::text, '') AS changed FROM bouncers");
    return `${row.n}:${row.top}:${row.changed}`;
  }

  /** Every row's identity and key hash, to check remembered keys against. */
  async listKeyRows(): Promise<{ id: number; name: string; ipAddress: string; apiKeyHash: string }[]> {
    const rows = await this.repo.query('SELECT id, name, ip_address, api_key_hash FROM bouncers');
    return rows.map((r: { id: number; name: string; ip_address: string; api_key_hash: string }) => ({ id: r.id, name: r.name, ipAddress: r.ip_address, apiKeyHash: r.api_key_hash }));
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

  /** Calls from these bouncers: now is their last pull, and each User-Agent gave a type and version (`crowdsec-firewall-bouncer/v0.0.28`). */
  async recordClients(clients: readonly { id: number; type: string; version: string; pulledAt: Date }[]): Promise<void> {
    if (clients.length === 0) return;
    await this.repo.query(
      `UPDATE bouncers b SET type = c.type, version = c.version, last_pull = c.pulled_at
       FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[]) AS c(id, type, version, pulled_at) WHERE b.id = c.id`,
      [clients.map((c) => c.id), clients.map((c) => c.type), clients.map((c) => c.version), clients.map((c) => c.pulledAt)],
    );
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


  /**
   * Stream polls of many bouncers in one statement (group commit: one round trip and one commit
   * for all the polls that arrived while the previous batch ran). For each poll, on the row as it
   * is now (the statement waits for a concurrent one's row lock and reads the new row):
   * - a delivery in flight, not yet overdue: nothing changes ('busy': the caller waits for its
   *   confirmation, milliseconds away);
   * - else the reply starts at the cursor (0 for startup), or where an overdue delivery started
   *   (it was never confirmed: sent again);
   * - if the replica's head is past that and not past the database's, the cursor moves to the head
   *   and the delivery is recorded, to be confirmed within `confirmWithinMs` ('started');
   * - a head past the database's moves nothing ('ahead').
   * Every poll records the pull's time. Rows not returned are bouncers deleted meanwhile.
   */
  async takeCursors(polls: readonly CursorPoll[], confirmWithinMs: number): Promise<CursorTake[]> {
    if (polls.length === 0) return [];
    const busy = '(b.delivering_from IS NOT NULL AND b.delivering_until > now())';
    const base = '(CASE WHEN b.delivering_from IS NOT NULL THEN b.delivering_from ELSE b.last_seq END)';
    const from = `(CASE WHEN r.startup THEN 0 ELSE ${base} END)`;
    const sends = `(NOT ${busy} AND r.head > ${from} AND r.head <= h.db_head)`;
    const result: unknown = await this.repo.query(
      `WITH r AS (SELECT * FROM unnest($1::int[], $2::bool[], $3::bigint[], $4::int[]) AS r(id, startup, head, delivery_id)),
       h AS (SELECT seq AS db_head FROM change_head WHERE id = 1)
       UPDATE bouncers b SET
         last_pull = now(),
         last_seq = CASE WHEN ${busy} THEN b.last_seq WHEN ${sends} THEN r.head ELSE ${base} END,
         delivering_from = CASE WHEN ${busy} THEN b.delivering_from WHEN ${sends} THEN ${from} END,
         delivering_until = CASE WHEN ${busy} THEN b.delivering_until WHEN ${sends} THEN now() + ($5::int * interval '1 millisecond') END,
         delivery_id = CASE WHEN ${busy} THEN b.delivery_id WHEN ${sends} THEN r.delivery_id END
       FROM r, h WHERE b.id = r.id
       RETURNING b.id, b.last_seq, b.delivering_from, b.delivery_id, h.db_head`,
      [polls.map((p) => p.id), polls.map((p) => p.startup), polls.map((p) => p.head), polls.map((p) => p.deliveryId), confirmWithinMs],
    );
    const byId = new Map(polls.map((p) => [p.id, p]));
    type Row = { id: number; last_seq: string; delivering_from: string | null; delivery_id: number | null; db_head: string };
    return returnedRows<Row>(result).map((row): CursorTake => {
      const poll = byId.get(row.id)!;
      if (row.delivery_id === poll.deliveryId) return { id: row.id, outcome: 'started', from: Number(row.delivering_from) };
      if (row.delivering_from !== null) return { id: row.id, outcome: 'busy', from: Number(row.delivering_from) };
      const from = poll.startup ? 0 : Number(row.last_seq);
      return { id: row.id, outcome: poll.head > Number(row.db_head) && poll.head > from ? 'ahead' : 'nothing', from };
    });
  }

  /** Replies that are out: their deliveries are done (unless a later one replaced them). */
  async confirmDeliveries(deliveries: readonly { id: number; deliveryId: number }[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.repo.query(
      `UPDATE bouncers b SET delivering_from = NULL, delivering_until = NULL, delivery_id = NULL
       FROM unnest($1::int[], $2::int[]) AS c(id, delivery_id) WHERE b.id = c.id AND b.delivery_id = c.delivery_id`,
      [deliveries.map((d) => d.id), deliveries.map((d) => d.deliveryId)],
    );
  }

  /**
   * Push streams that ended: each bouncer's cursor moves forward to the last event its stream got
   * out (never back, never past the database head, never over a poll's delivery in flight).
   */
  async advanceCursors(cursors: readonly { id: number; seq: number }[]): Promise<void> {
    if (cursors.length === 0) return;
    await this.repo.query(
      `UPDATE bouncers b SET last_seq = c.seq, last_pull = now()
       FROM unnest($1::int[], $2::bigint[]) AS c(id, seq)
       WHERE b.id = c.id AND b.last_seq < c.seq AND b.delivering_from IS NULL AND c.seq <= (SELECT seq FROM change_head WHERE id = 1)`,
      [cursors.map((c) => c.id), cursors.map((c) => c.seq)],
    );
  }

  /** The reply did not get out: the next poll sends it again. */
  async failDelivery(id: number, deliveryId: number): Promise<void> {
    await this.repo.query('UPDATE bouncers SET delivering_until = now() WHERE id = $1 AND delivery_id = $2', [id, deliveryId]);
  }
}
