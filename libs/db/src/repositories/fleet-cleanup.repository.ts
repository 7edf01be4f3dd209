import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqlRunner } from '../reads';
import { returnedRows } from './decisions.repository';

/** The advisory lock a cleaning node holds for its transaction: one node of a cluster cleans at a time. */
const CLEANUP_LOCK = 0x1a51c1ea;
/** Loopback agents are the LAPI host's own and never auto-deleted, as upstream. */
const LOOPBACK = ['127.0.0.1', '::1'];

/** Rows of one auth type silent since `before` are deleted. */
export interface StaleCutoff {
  authType: string;
  before: Date;
}

export interface CleanupCutoffs {
  usageMetricsBefore: Date;
  bouncers: StaleCutoff[];
  machines: StaleCutoff[];
}

export interface CleanupDeleted {
  usageMetrics: number;
  bouncers: string[];
  /** Key hashes of the deleted bouncer rows, for the nodes to forget. */
  keyHashes: string[];
  machines: string[];
}

/** Upstream's flushBouncers: rows of this auth type whose last pull is at or before the cutoff (never-pulled rows stay). */
async function deleteStaleBouncers(db: SqlRunner, { authType, before }: StaleCutoff) {
  return returnedRows<{ name: string; api_key_hash: string }>(
    await db.query('DELETE FROM bouncers WHERE auth_type = $1 AND last_pull <= $2 RETURNING name, api_key_hash', [authType, before]),
  );
}

/** Upstream's flushAgents: machines of this auth type silent since the cutoff, with no alerts, not on loopback. */
async function deleteStaleMachines(db: SqlRunner, { authType, before }: StaleCutoff) {
  const rows = await db.query(
    `DELETE FROM machines m WHERE m.auth_type = $1 AND m.last_heartbeat <= $2 AND m.ip_address <> ALL($3::text[])
       AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.machine_id = m.machine_id) RETURNING machine_id`,
    [authType, before, LOOPBACK],
  );
  return returnedRows<{ machine_id: string }>(rows).map((r) => r.machine_id);
}

/** The fleet's periodic clean-up, in one transaction under a cluster-wide advisory lock. */
@Injectable()
export class FleetCleanupRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Deletes what the cutoffs name; undefined when another node holds the lock (it is cleaning). */
  cleanOnce(cutoffs: CleanupCutoffs): Promise<CleanupDeleted | undefined> {
    return this.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [CLEANUP_LOCK]);
      if (!locked) return undefined;
      const usageMetrics = returnedRows(await tx.query('DELETE FROM usage_metrics WHERE received_at < $1 RETURNING id', [cutoffs.usageMetricsBefore])).length;
      const bouncerRows = [];
      for (const cutoff of cutoffs.bouncers) bouncerRows.push(...(await deleteStaleBouncers(tx, cutoff)));
      const machines = [];
      for (const cutoff of cutoffs.machines) machines.push(...(await deleteStaleMachines(tx, cutoff)));
      return { usageMetrics, bouncers: bouncerRows.map((r) => r.name), keyHashes: [...new Set(bouncerRows.map((r) => r.api_key_hash))], machines };
    });
  }
}
