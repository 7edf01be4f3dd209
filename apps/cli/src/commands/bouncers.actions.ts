import { INestApplicationContext } from '@nestjs/common';
import { BouncersService } from '@lapi/bouncers';
import { randomBytes } from 'node:crypto';
import { CliError } from '../cli-error';
import { confirm, stopAsking } from '../confirm';
import { logInfo, OutputFormat, printJson, printList } from '../output';
import { bouncerColumns } from './bouncers.reads';

/** Fewest random bytes accepted for a generated key (-l): below this a key can be guessed. */
const MIN_KEY_BYTES = 16;

export async function addBouncer(app: INestApplicationContext, format: OutputFormat, name: string, o: { key?: string; length?: number }): Promise<void> {
  if (o.key !== undefined && o.key.trim() === '') throw new CliError('--key cannot be empty');
  if (o.length !== undefined && o.length < MIN_KEY_BYTES) throw new CliError(`--length must be at least ${MIN_KEY_BYTES} (random bytes; the key is twice as many hex characters)`);
  const key = await app.get(BouncersService).add(name, o.key ?? (o.length ? randomKey(o.length) : undefined));
  if (format === 'raw') console.log(key);
  else if (format === 'json') printJson(key);
  else console.log(`API key for '${name}':\n\n   ${key}\n\nPlease keep this key since you will not be able to retrieve it!`);
}

/** As cscli's -l: that many random bytes, hex-encoded (-l 16 gives 32 characters). */
function randomKey(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export async function deleteBouncers(app: INestApplicationContext, names: string[]): Promise<void> {
  for (const name of names) {
    await app.get(BouncersService).delete(name);
    logInfo(`bouncer ${name} deleted`);
  }
}

/** Below this, cscli warns that a prune may remove bouncers that are still active. */
const SHORT_PRUNE_MS = 2 * 60_000;

/** cscli 1.6's `bouncers prune`: lists the bouncers silent for `duration`, asks, deletes. `--force` skips the questions. */
async function pruneBouncersAsking(app: INestApplicationContext, o: { duration: number; force?: boolean }): Promise<void> {
  if (o.duration < SHORT_PRUNE_MS && !o.force && !(await confirm('The duration you provided is less than 2 minutes. This may remove active bouncers. Continue?'))) {
    console.log('User aborted prune. No changes were made.');
    return;
  }
  const service = app.get(BouncersService);
  const stale = await service.inactiveSince(new Date(Date.now() - o.duration));
  if (stale.length === 0) {
    console.log('No bouncers to prune.');
    return;
  }
  printList('human', stale, bouncerColumns('human'));
  if (!o.force && !(await confirm('You are about to PERMANENTLY remove the above bouncers from the database. These will NOT be recoverable. Continue?'))) {
    console.log('User aborted prune. No changes were made.');
    return;
  }
  await service.deleteRows(stale);
  logInfo(`Successfully deleted ${stale.length} bouncers`);
}

export async function pruneBouncers(app: INestApplicationContext, o: { duration: number; force?: boolean }): Promise<void> {
  try {
    await pruneBouncersAsking(app, o);
  } finally {
    stopAsking();
  }
}
