// `machines list|inspect`: read-only, on a plain connection (cli-reader.ts); single files of the libs only.
import type { MachineEntity } from '@lapi/db';
import { findMachine, listMachines as readMachines } from '@lapi/db/light';
import type { CliReader } from '../cli-reader';
import { CliError } from '../cli-error';
import { Columns, featureFlagList, goDuration, goTime, osNameAndVersion, OutputFormat, printJson, printList, rfc3339, toCsv } from '../output';
import { renderTable, renderTitledRows } from '../table';

/** cscli 1.6 warns of an agent silent for more than two minutes (climachine/list.go). */
const ACTIVE_WITHIN_MS = 2 * 60_000;

/** How long since the last heartbeat, with cscli's warning sign when the agent looks gone. */
function lastHeartbeat(m: MachineEntity, now: number): string {
  if (!m.lastHeartbeat) return '⚠️ -';
  const elapsed = now - new Date(m.lastHeartbeat).getTime();
  const hb = goDuration(Math.floor(elapsed / 1000) * 1000);
  return elapsed > ACTIVE_WITHIN_MS ? `⚠️ ${hb}` : hb;
}

/** cscli 1.6's columns (climachine/list.go). */
export async function listMachines({ db }: CliReader, format: OutputFormat): Promise<void> {
  printList(format, await readMachines(db), machineColumns(format), machineJson);
}

export function machineColumns(format: OutputFormat, now = Date.now()): Columns<MachineEntity> {
  return format === 'raw'
    ? {
        header: ['machine_id', 'ip_address', 'updated_at', 'validated', 'version', 'auth_type', 'last_heartbeat', 'os'],
        row: (m) => [m.machineId, m.ipAddress, rfc3339(m.updatedAt), m.isValidated, m.version, m.authType, m.lastHeartbeat ? rfc3339(m.lastHeartbeat) : '-', `${m.osName}/${m.osVersion}`],
      }
    : {
        header: ['Name', 'IP Address', 'Last Update', 'Status', 'Version', 'OS', 'Auth Type', 'Last Heartbeat'],
        row: (m) => [m.machineId, m.ipAddress, rfc3339(m.updatedAt), m.isValidated ? '✔️' : '🚫', m.version, osNameAndVersion(m), m.authType, lastHeartbeat(m, now)],
      };
}

/** cscli 1.6's `machines inspect NAME [--hub]`. */
export async function inspectMachine({ db }: CliReader, format: OutputFormat, machineId: string, hub: boolean): Promise<void> {
  const m = await findMachine(db, machineId);
  if (!m) throw new CliError(`unable to read machine data '${machineId}': machine not found`);
  if (hub) return inspectHub(m, format);
  if (format === 'json') return printJson(machineJson(m));
  if (format !== 'human') throw new CliError(`output format '${format}' not supported for this command`);
  const rows = [
    ['IP Address', m.ipAddress],
    ['Created At', goTime(m.createdAt)],
    ['Last Update', goTime(m.updatedAt)],
    ['Last Heartbeat', goTime(m.lastHeartbeat)],
    ['Validated?', String(m.isValidated)],
    ['CrowdSec version', m.version],
    ['OS', osNameAndVersion(m)],
    ['Auth type', m.authType],
    ...Object.entries(m.datasources ?? {}).map(([name, count]) => ['Datasources', `${name}: ${count}`]),
    ...(featureFlagList(m) ?? []).map((f) => ['Feature Flags', f]),
    ...(m.hubState?.collections ?? []).map((c) => ['Collections', c.name ?? '']),
  ];
  console.log(renderTitledRows(`Machine: ${m.machineId}`, rows, false));
}

/** `--hub`: the agent's installed items by type, as its last usage metrics listed them. */
function inspectHub(m: MachineEntity, format: OutputFormat): void {
  const state = m.hubState ?? {};
  if (format === 'json') return printJson(state);
  const rows = Object.entries(state).flatMap(([type, items]) => items.map((i) => [type, i.name ?? '', i.status ?? '', i.version ?? '']));
  if (format === 'raw') return console.log(toCsv([['type', 'name', 'status', 'version'], ...rows]));
  if (rows.length === 0) return console.log('No hub items found for this machine');
  for (const [type, items] of Object.entries(state)) {
    console.log(`${type}\n${renderTable(['Name', 'Status', 'Version'], items.map((i) => [i.name ?? '', i.status ?? '', i.version ?? '']), false)}`);
  }
}

/** cscli 1.6's machineInfo (list and inspect -o json): omitempty fields left out when empty. */
export function machineJson(m: MachineEntity) {
  return {
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    last_push: m.lastPush ?? undefined,
    last_heartbeat: m.lastHeartbeat ?? undefined,
    machineId: m.machineId || undefined,
    ipAddress: m.ipAddress || undefined,
    version: m.version || undefined,
    isValidated: m.isValidated || undefined,
    auth_type: m.authType,
    os: osNameAndVersion(m),
    featureflags: featureFlagList(m),
    datasources: m.datasources && Object.keys(m.datasources).length ? m.datasources : undefined,
  };
}
