// `machines list`: read-only, on a plain connection (cli-reader.ts); single files of the libs only.
import type { MachineEntity } from '@lapi/db';
import { listMachines as readMachines } from '@lapi/db/light';
import type { CliReader } from '../cli-reader';
import { goDuration, OutputFormat, printList, rfc3339 } from '../output';

export async function listMachines({ db }: CliReader, format: OutputFormat): Promise<void> {
  const machines = await readMachines(db);
  const now = Date.now();
  const heartbeat = (m: MachineEntity) => (m.lastHeartbeat ? goDuration(now - m.lastHeartbeat.getTime()) : '-');
  const columns = format === 'raw'
    ? { header: ['machine_id', 'ip_address', 'updated_at', 'validated', 'version', 'auth_type', 'last_heartbeat'], row: (m: MachineEntity) => [m.machineId, m.ipAddress, rfc3339(m.updatedAt), m.isValidated, m.version, m.authType, heartbeat(m)] }
    : { header: ['Name', 'IP Address', 'Last Update', 'Status', 'Version', 'Auth Type', 'Last Heartbeat'], row: (m: MachineEntity) => [m.machineId, m.ipAddress, rfc3339(m.updatedAt), m.isValidated ? '✔️' : '🚫', m.version, m.authType, heartbeat(m)] };
  printList(format, machines, columns, machineJson);
}

/** cscli's `machines list -o json`: its ent fields, with their keys (empty strings left out, as its omitempty). */
function machineJson(m: MachineEntity) {
  return {
    id: m.id,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    last_push: m.lastPush ?? undefined,
    last_heartbeat: m.lastHeartbeat ?? undefined,
    machineId: m.machineId,
    ipAddress: m.ipAddress || undefined,
    scenarios: m.scenarios || undefined,
    version: m.version || undefined,
    isValidated: m.isValidated,
    auth_type: m.authType,
    // ent's edges (its bouncers/alerts links): cscli 1.4.6 prints them empty.
    edges: {},
  };
}
