import { INestApplicationContext } from '@nestjs/common';
import { AllowlistsService } from '@lapi/allowlists';
import { DomainError, ErrorCode, parseDuration } from '@lapi/common';
import { CliError } from '../cli-error';

/** The service's refusals (no such list, a bad value, a name taken) are the operator's to fix: print them as such. */
async function refusalsAsCliErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DomainError && [ErrorCode.BadRequest, ErrorCode.NotFound, ErrorCode.Conflict].includes(e.code)) throw new CliError(e.message);
    throw e;
  }
}

export async function createAllowlist(app: INestApplicationContext, name: string, description: string): Promise<void> {
  await refusalsAsCliErrors(() => app.get(AllowlistsService).create(name, description));
  console.log(`allowlist '${name}' created successfully`);
}

export async function deleteAllowlist(app: INestApplicationContext, name: string): Promise<void> {
  await refusalsAsCliErrors(() => app.get(AllowlistsService).delete(name));
  console.log(`allowlist '${name}' deleted successfully`);
}

export async function addToAllowlist(app: INestApplicationContext, name: string, values: string[], o: { expiration?: string; comment: string }): Promise<void> {
  let expiresAt: Date | null = null;
  if (o.expiration !== undefined) {
    const ms = parseDuration(o.expiration);
    if (ms === undefined || ms <= 0) throw new CliError(`'${o.expiration}' is not a duration (e.g. 1h, 30d)`);
    expiresAt = new Date(Date.now() + ms);
  }
  const result = await refusalsAsCliErrors(() => app.get(AllowlistsService).add(name, values, expiresAt, o.comment));
  for (const v of result.present) console.error(`value ${v} already in allowlist`);
  if (result.added.length === 0) console.log('no new values for allowlist');
  else console.log(`added ${result.added.length} values to allowlist ${name}`);
  if (result.decisionsEnded > 0) console.log(`${result.decisionsEnded} decisions deleted by allowlists`);
}

export async function removeFromAllowlist(app: INestApplicationContext, name: string, values: string[]): Promise<void> {
  const removed = await refusalsAsCliErrors(() => app.get(AllowlistsService).remove(name, values));
  console.log(removed.length ? `removed ${removed.length} values from allowlist ${name}` : 'no value to remove from allowlist');
}
