import { INestApplicationContext } from '@nestjs/common';
import { BouncersService } from '@lapi/bouncers';
import { randomBytes } from 'node:crypto';
import { CliError } from '../cli-error';
import { logInfo, OutputFormat, printJson } from '../output';

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
