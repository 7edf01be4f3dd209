import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { MachineEntity } from '../entities';
import { listMachines } from '../reads';
import { returnedRows } from './decisions.repository';

export type MachineWithPassword = MachineEntity & { passwordHash: string | null };

/** The system a client's usage metrics describe (upstream's BaseMetrics, flattened as it stores them). */
export interface BaseMetricsUpdate {
  version?: string;
  osName: string;
  osFamily: string;
  osVersion: string;
  /** Comma-separated. */
  featureFlags: string;
}

@Injectable()
export class MachinesRepository {
  private readonly repo: Repository<MachineEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(MachineEntity);
  }

  findByMachineId(machineId: string): Promise<MachineEntity | null> {
    return this.repo.findOne({ where: { machineId } });
  }

  findById(id: number): Promise<MachineEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** The machine with its password hash, for login only. */
  findWithPassword(machineId: string): Promise<MachineWithPassword | null> {
    return this.repo
      .createQueryBuilder('m')
      .addSelect('m.passwordHash')
      .where('m.machineId = :machineId', { machineId })
      .getOne() as Promise<MachineWithPassword | null>;
  }

  list(): Promise<MachineEntity[]> {
    return listMachines(this.repo);
  }

  /** Creates the machine, or with `overwrite` replaces its password; false when it exists already. */
  async create(m: { machineId: string; passwordHash: string; ipAddress: string; isValidated: boolean; authType?: string }, overwrite = false): Promise<boolean> {
    const rows = await this.repo.query(
      `INSERT INTO machines (machine_id, password_hash, ip_address, is_validated, auth_type) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (machine_id) DO ${overwrite ? 'UPDATE SET password_hash = EXCLUDED.password_hash, ip_address = EXCLUDED.ip_address, is_validated = machines.is_validated OR EXCLUDED.is_validated, updated_at = now() WHERE machines.auth_type = EXCLUDED.auth_type' : 'NOTHING'}
       RETURNING id`,
      [m.machineId, m.passwordHash, m.ipAddress, m.isValidated, m.authType ?? 'password'],
    );
    return rows.length > 0;
  }

  /** A machine known by its certificate: validated, no password. No-op when the name is taken. */
  async createForCertificate(machineId: string, ipAddress: string, authType: string): Promise<void> {
    await this.repo.query(
      `INSERT INTO machines (machine_id, password_hash, ip_address, is_validated, auth_type) VALUES ($1, NULL, $2, true, $3) ON CONFLICT (machine_id) DO NOTHING`,
      [machineId, ipAddress, authType],
    );
  }

  async validate(machineId: string): Promise<boolean> {
    const res = await this.repo.update({ machineId }, { isValidated: true, updatedAt: new Date() });
    return (res.affected ?? 0) > 0;
  }

  async delete(machineId: string): Promise<boolean> {
    const res = await this.repo.delete({ machineId });
    return (res.affected ?? 0) > 0;
  }

  /** A login: the address, the scenarios, and the version its User-Agent gave (kept when it gave none). */
  async recordLogin(id: number, ipAddress: string, scenarios: string | undefined, version?: string): Promise<void> {
    const set: Partial<MachineEntity> = { ipAddress, updatedAt: new Date() };
    if (scenarios !== undefined) set.scenarios = scenarios;
    if (version) set.version = version;
    await this.repo.update({ id }, set);
  }

  /** What an agent's usage metrics said of itself, its hub items and data sources (as upstream's MachineUpdateBaseMetrics). */
  async recordBaseMetrics(id: number, base: BaseMetricsUpdate, hubState: MachineEntity['hubState'], datasources: Record<string, number>): Promise<void> {
    await this.repo.query(
      `UPDATE machines SET version = coalesce($2, version), os_name = $3, os_family = $4, os_version = $5, feature_flags = $6,
         hub_state = $7::jsonb, datasources = $8::jsonb WHERE id = $1`,
      [id, base.version ?? null, base.osName, base.osFamily, base.osVersion, base.featureFlags, JSON.stringify(hubState), JSON.stringify(datasources)],
    );
  }

  /** Machines to prune as cscli does: pending ones, and unless `pendingOnly` validated ones silent since `before` (or never heard from, created before it). */
  prunable(before: Date, pendingOnly: boolean): Promise<MachineEntity[]> {
    const inactive = '(is_validated AND last_heartbeat < $1) OR (last_heartbeat IS NULL AND created_at < $1)';
    return listMachines(this.repo, { where: pendingOnly ? 'NOT is_validated' : `NOT is_validated OR ${inactive}`, params: pendingOnly ? [] : [before] });
  }

  /** Deletes these machines; returns the ids of those deleted. */
  async deleteByIds(ids: number[]): Promise<string[]> {
    const rows = await this.repo.query('DELETE FROM machines WHERE id = ANY($1::int[]) RETURNING machine_id', [ids]);
    return returnedRows<{ machine_id: string }>(rows).map((r) => r.machine_id);
  }


  async recordHeartbeat(id: number): Promise<void> {
    await this.repo.update({ id }, { lastHeartbeat: new Date() });
  }

  async recordPush(id: number): Promise<void> {
    await this.repo.update({ id }, { lastPush: new Date() });
  }
}
