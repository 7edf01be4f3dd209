// `bouncers list|inspect`: read-only, on a plain connection (cli-reader.ts); single files of the libs only.
import type { BouncerEntity } from '@lapi/db';
import { findBouncer, listBouncers as readBouncers } from '@lapi/db/light';
import type { CliReader } from '../cli-reader';
import { CliError } from '../cli-error';
import { Columns, featureFlagList, goTime, osNameAndVersion, OutputFormat, printJson, printList, rfc3339 } from '../output';
import { renderTitledRows } from '../table';

/** cscli 1.6's columns (clibouncer/list.go); a bouncer that never pulled has no last pull. */
export async function listBouncers({ db }: CliReader, format: OutputFormat): Promise<void> {
  printList(format, await readBouncers(db), bouncerColumns(format), bouncerJson);
}

export function bouncerColumns(format: OutputFormat): Columns<BouncerEntity> {
  const lastPull = (b: BouncerEntity) => rfc3339(b.lastPull);
  return format === 'raw'
    ? { header: ['name', 'ip', 'revoked', 'last_pull', 'type', 'version', 'auth_type'], row: (b) => [b.name, b.ipAddress, 'validated', lastPull(b), b.type, b.version, b.authType] }
    : { header: ['Name', 'IP Address', 'Valid', 'Last API pull', 'Type', 'Version', 'Auth Type'], row: (b) => [b.name, b.ipAddress, '✔️', lastPull(b), b.type, b.version, b.authType] };
}

/** cscli 1.6's `bouncers inspect NAME`: its table, or with -o json the same object as its list. */
export async function inspectBouncer({ db }: CliReader, format: OutputFormat, name: string): Promise<void> {
  const b = await findBouncer(db, name);
  if (!b) throw new CliError(`unable to read bouncer data '${name}': bouncer not found`);
  if (format === 'json') return printJson(bouncerJson(b));
  if (format !== 'human') throw new CliError(`output format '${format}' not supported for this command`);
  const rows = [
    ['Created At', goTime(b.createdAt)],
    ['Last Update', goTime(b.updatedAt)],
    ['Revoked?', 'false'],
    ['IP Address', b.ipAddress],
    ['Type', b.type],
    ['Version', b.version],
    ['Last Pull', b.lastPull ? goTime(b.lastPull) : ''],
    ['Auth type', b.authType],
    ['OS', osNameAndVersion(b)],
    ['Auto Created', String(b.autoCreated)],
    ...(featureFlagList(b) ?? []).map((f) => ['Feature Flags', f]),
  ];
  console.log(renderTitledRows(`Bouncer: ${b.name}`, rows, false));
}

/** cscli 1.6's bouncerInfo (list and inspect -o json); the key hash is never shown. */
export function bouncerJson(b: BouncerEntity) {
  return {
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    name: b.name,
    revoked: false,
    ip_address: b.ipAddress,
    type: b.type,
    version: b.version,
    last_pull: b.lastPull,
    auth_type: b.authType,
    os: osNameAndVersion(b),
    featureflags: featureFlagList(b),
    auto_created: b.autoCreated,
  };
}
