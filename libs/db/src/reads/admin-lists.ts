import type { BouncerEntity } from '../entities/bouncer.entity';
import type { MachineEntity } from '../entities/machine.entity';
import { SqlRunner } from './sql-runner';

// The entities' columns but their secrets (password and key hashes are never selected), named as
// the entities name them; reads.int.spec.ts fails if an entity gains a column these leave out.

export function listMachines(db: SqlRunner): Promise<MachineEntity[]> {
  return db.query(
    `SELECT id, machine_id AS "machineId", ip_address AS "ipAddress", scenarios, version, is_validated AS "isValidated",
            auth_type AS "authType", created_at AS "createdAt", updated_at AS "updatedAt", last_push AS "lastPush",
            last_heartbeat AS "lastHeartbeat"
     FROM machines ORDER BY id`,
  );
}

export function listBouncers(db: SqlRunner): Promise<BouncerEntity[]> {
  return db.query(
    `SELECT id, name, ip_address AS "ipAddress", type, version, auth_type AS "authType", created_at AS "createdAt",
            updated_at AS "updatedAt", last_pull AS "lastPull", last_seq AS "lastSeq"
     FROM bouncers ORDER BY id`,
  );
}
