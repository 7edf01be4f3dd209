import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AllowlistItemRow, allowlistedAmong, allowlistedBy, AllowlistMatch, allowlistItems, AllowlistRow, findAllowlist, listAllowlists } from '../reads';
import { DecisionChanges } from '@lapi/decision-model';
import { DecisionsRepository, returnedRows as returned } from './decisions.repository';

/** An entry to add: its text as given, and its canonical CIDR. */
export interface NewAllowlistItem {
  value: string;
  cidr: string;
  comment: string;
  expiresAt: Date | null;
}

/** Allowlists and their entries; adding entries ends the active decisions they cover, in the same transaction. */
@Injectable()
export class AllowlistsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly decisions: DecisionsRepository,
  ) {}

  /** False when the name is taken. */
  async create(name: string, description: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `INSERT INTO allowlists (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [name, description],
    );
    return rows.length === 1;
  }

  /** False when there is no such list; its entries go with it. */
  async delete(name: string): Promise<boolean> {
    const rows = returned(await this.dataSource.query(`DELETE FROM allowlists WHERE name = $1 RETURNING id`, [name]));
    return rows.length === 1;
  }

  list(): Promise<AllowlistRow[]> {
    return listAllowlists(this.dataSource);
  }

  find(name: string): Promise<AllowlistRow | undefined> {
    return findAllowlist(this.dataSource, name);
  }

  items(allowlistIds: string[], withExpired: boolean): Promise<AllowlistItemRow[]> {
    return allowlistItems(this.dataSource, allowlistIds, withExpired);
  }

  matches(cidr: string): Promise<AllowlistMatch[]> {
    return allowlistedBy(this.dataSource, cidr);
  }

  matchesAmong(cidrs: string[]): Promise<Map<number, AllowlistMatch[]>> {
    return allowlistedAmong(this.dataSource, cidrs);
  }

  /**
   * Adds the entries a list does not hold yet (by value) and ends every active decision that
   * an entry covers or that covers an entry, as upstream's `cscli allowlists add` does. Returns
   * the values added and the decisions ended, to publish once committed.
   */
  async addItems(allowlistId: string, items: NewAllowlistItem[]): Promise<{ added: string[]; ended?: DecisionChanges }> {
    return this.dataSource.transaction(async (em) => {
      const rows: { value: string; cidr: string }[] = await em.query(
        `INSERT INTO allowlist_items (allowlist_id, value, ip_range, comment, expires_at)
         SELECT $1::bigint, * FROM unnest($2::text[], $3::cidr[], $4::text[], $5::timestamptz[])
         ON CONFLICT (allowlist_id, value) DO NOTHING RETURNING value, ip_range::text AS cidr`,
        [allowlistId, items.map((i) => i.value), items.map((i) => i.cidr), items.map((i) => i.comment), items.map((i) => i.expiresAt?.toISOString() ?? null)],
      );
      await em.query(`UPDATE allowlists SET updated_at = now() WHERE id = $1`, [allowlistId]);
      if (rows.length === 0) return { added: [] };
      const cidrs = rows.map((r) => r.cidr);
      const ended = await this.decisions.endInTransaction(em, ['(d.ip_range <<= ANY($1::cidr[]) OR d.ip_range >>= ANY($1::cidr[]))'], [cidrs]);
      return { added: rows.map((r) => r.value), ended };
    });
  }

  /** Removes entries by value; returns the values removed. */
  async removeItems(allowlistId: string, values: string[]): Promise<string[]> {
    const rows = returned<{ value: string }>(
      await this.dataSource.query(`DELETE FROM allowlist_items WHERE allowlist_id = $1 AND value = ANY($2::text[]) RETURNING value`, [allowlistId, values]),
    );
    if (rows.length) await this.dataSource.query(`UPDATE allowlists SET updated_at = now() WHERE id = $1`, [allowlistId]);
    return rows.map((r) => r.value);
  }
}
