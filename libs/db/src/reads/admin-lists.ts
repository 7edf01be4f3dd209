import type { BouncerEntity } from '../entities/bouncer.entity';
import type { MachineEntity } from '../entities/machine.entity';
import { SqlRunner } from './sql-runner';

// The entities' columns but their secrets (password and key hashes are never selected), named as
// the entities name them; reads.int.spec.ts fails if an entity gains a column these leave out.

const MACHINE_COLUMNS = `id, machine_id AS "machineId", ip_address AS "ipAddress", scenarios, version, is_validated AS "isValidated",
  auth_type AS "authType", created_at AS "createdAt", updated_at AS "updatedAt", last_push AS "lastPush",
  last_heartbeat AS "lastHeartbeat", os_name AS "osName", os_family AS "osFamily", os_version AS "osVersion",
  feature_flags AS "featureFlags", hub_state AS "hubState", datasources`;

const BOUNCER_COLUMNS = `id, name, ip_address AS "ipAddress", type, version, auth_type AS "authType", created_at AS "createdAt",
  updated_at AS "updatedAt", last_pull AS "lastPull", last_seq AS "lastSeq", os_name AS "osName", os_family AS "osFamily",
  os_version AS "osVersion", feature_flags AS "featureFlags", auto_created AS "autoCreated"`;

/** A condition on the rows listed, written by the db lib's repositories only (never from user input). */
export interface RowCondition {
  where: string;
  params: unknown[];
}

const ALL: RowCondition = { where: 'true', params: [] };

export function listMachines(db: SqlRunner, only: RowCondition = ALL): Promise<MachineEntity[]> {
  return db.query(`SELECT ${MACHINE_COLUMNS} FROM machines WHERE ${only.where} ORDER BY id`, only.params);
}

export function listBouncers(db: SqlRunner, only: RowCondition = ALL): Promise<BouncerEntity[]> {
  return db.query(`SELECT ${BOUNCER_COLUMNS} FROM bouncers WHERE ${only.where} ORDER BY id`, only.params);
}

export async function findMachine(db: SqlRunner, machineId: string): Promise<MachineEntity | undefined> {
  const [row]: MachineEntity[] = await db.query(`SELECT ${MACHINE_COLUMNS} FROM machines WHERE machine_id = $1`, [machineId]);
  return row;
}

export async function findBouncer(db: SqlRunner, name: string): Promise<BouncerEntity | undefined> {
  const [row]: BouncerEntity[] = await db.query(`SELECT ${BOUNCER_COLUMNS} FROM bouncers WHERE name = $1`, [name]);
  return row;
}

/** One remediation component's last usage metrics payload (`{type, metrics}` as upstream stores it). */
export interface BouncerMetricsRow {
  generatedBy: string;
  receivedAt: Date;
  payload: { type?: string; metrics?: { meta?: { window_size_seconds?: number; utc_now_timestamp?: number }; items?: { name: string; value: number; unit: string; labels?: Record<string, string> }[] }[] };
}

/** Every bouncer usage metrics payload received since `since`, oldest first (`lapictl metrics show bouncers`). */
export function bouncerMetricsSince(db: SqlRunner, since: Date): Promise<BouncerMetricsRow[]> {
  return db.query(
    `SELECT generated_by AS "generatedBy", received_at AS "receivedAt", payload FROM usage_metrics
     WHERE generated_type = 'RC' AND received_at >= $1 ORDER BY received_at, id`,
    [since],
  );
}
