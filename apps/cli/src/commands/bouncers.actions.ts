import { INestApplicationContext } from '@nestjs/common';
import { BouncersService } from '@lapi/bouncers';
import { BouncerEntity } from '@lapi/db';
import { randomBytes } from 'node:crypto';
import { CliError } from '../cli-error';
import { OutputFormat, printJson, printList, rfc3339 } from '../output';

/** Shortest generated key accepted: below this a key can be guessed. */
const MIN_KEY_LENGTH = 16;

export async function addBouncer(app: INestApplicationContext, format: OutputFormat, name: string, o: { key?: string; length?: number }): Promise<void> {
  if (o.key !== undefined && o.key.trim() === '') throw new CliError('--key cannot be empty');
  if (o.length !== undefined && o.length < MIN_KEY_LENGTH) throw new CliError(`--length must be at least ${MIN_KEY_LENGTH}`);
  const key = await app.get(BouncersService).add(name, o.key ?? (o.length ? randomKey(o.length) : undefined));
  if (format === 'raw') console.log(key);
  else if (format === 'json') printJson(key);
  else console.log(`API key for '${name}':\n\n   ${key}\n\nPlease keep this key since you will not be able to retrieve it!`);
}

function randomKey(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

export async function listBouncers(app: INestApplicationContext, format: OutputFormat): Promise<void> {
  const bouncers = await app.get(BouncersService).list();
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

export async function deleteBouncers(app: INestApplicationContext, names: string[]): Promise<void> {
  for (const name of names) {
    await app.get(BouncersService).delete(name);
    console.log(`bouncer ${name} deleted`);
  }
}
