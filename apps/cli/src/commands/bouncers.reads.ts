// `bouncers list`: read-only, on a plain connection (cli-reader.ts); single files of the libs only.
import type { BouncerEntity } from '@lapi/db';
import { listBouncers as readBouncers } from '@lapi/db/light';
import type { CliReader } from '../cli-reader';
import { OutputFormat, printList, rfc3339 } from '../output';

export async function listBouncers({ db }: CliReader, format: OutputFormat): Promise<void> {
  const bouncers = await readBouncers(db);
  // cscli sets last_pull when it creates a bouncer; ours is empty until the first pull, so show the creation time as cscli would.
  const lastPull = (b: BouncerEntity) => rfc3339(b.lastPull ?? b.createdAt);
  const columns = format === 'raw'
    ? { header: ['name', 'ip', 'revoked', 'last_pull', 'type', 'version', 'auth_type'], row: (b: BouncerEntity) => [b.name, b.ipAddress, 'validated', lastPull(b), b.type, b.version, b.authType] }
    : { header: ['Name', 'IP Address', 'Valid', 'Last API pull', 'Type', 'Version', 'Auth Type'], row: (b: BouncerEntity) => [b.name, b.ipAddress, '✔️', lastPull(b), b.type, b.version, b.authType] };
  printList(format, bouncers, columns, bouncerJson);
}

/** cscli's `bouncers list -o json` keys; the key hash (api_key) is left out: it is not for scripts. */
function bouncerJson(b: BouncerEntity) {
  return {
    id: b.id,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    name: b.name,
    revoked: false,
    ip_address: b.ipAddress,
    type: b.type,
    version: b.version,
    last_pull: b.lastPull ?? b.createdAt,
    auth_type: b.authType,
  };
}
