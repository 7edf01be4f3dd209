import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@lapi/config';
import { MachinesService } from '@lapi/machines';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CliError } from '../cli-error';
import { confirm, stopAsking } from '../confirm';
import { logInfo, OutputFormat, printJson, printList } from '../output';
import { machineColumns } from './machines.reads';
import type { MachineAddOptions } from './machines.options';

export async function addMachine(app: INestApplicationContext, format: OutputFormat, name: string | undefined, o: MachineAddOptions): Promise<void> {
  if (!name && !o.auto) throw new CliError('give a machine name, or --auto to generate one');
  if (!o.password && !o.auto) throw new CliError('give --password <password> or --auto');
  const machineId = name ?? randomBytes(24).toString('hex');
  const password = o.password ?? randomBytes(24).toString('base64url');
  await app.get(MachinesService).add(machineId, password, { validated: o.validate, force: o.force });
  if (o.file) {
    // As cscli's -f: the file (or stdout, for -) is the output; the messages go to stderr.
    logInfo(`machine ${machineId} added`);
    writeCredentials(o.file, { url: o.url ?? defaultUrl(app.get(AppConfig)), login: machineId, password });
    return;
  }
  // Without a file, a generated password is the output: on stdout, once.
  if (format === 'json') printJson({ machine_id: machineId, password: o.auto ? password : undefined });
  else if (o.auto) console.log(`machine ${machineId} added, password: ${password}`);
  else logInfo(`machine ${machineId} added`);
}

function defaultUrl(config: AppConfig): string {
  const host = config.listenAddr.includes(':') ? `[${config.listenAddr}]` : config.listenAddr;
  return `http://${host}:${config.listenPort}/`;
}

/** The credentials file cscli and the agent read (local_api_credentials.yaml). */
function writeCredentials(file: string, c: { url: string; login: string; password: string }): void {
  const yaml = `url: ${c.url}\nlogin: ${c.login}\npassword: ${c.password}\n`;
  if (file === '-') {
    process.stdout.write(yaml);
    return;
  }
  try {
    writeFileSync(file, yaml, { mode: 0o600 });
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${(e as Error).message}`);
  }
  logInfo(`API credentials dumped to '${file}'`);
}

export async function validateMachine(app: INestApplicationContext, name: string): Promise<void> {
  await app.get(MachinesService).validate(name);
  logInfo(`machine ${name} validated`);
}

export async function deleteMachines(app: INestApplicationContext, names: string[]): Promise<void> {
  for (const name of names) {
    await app.get(MachinesService).delete(name);
    logInfo(`machine ${name} deleted`);
  }
}

/** Below this, cscli warns that a prune may remove agents only briefly disconnected. */
const SHORT_PRUNE_MS = 2 * 60_000;

/** cscli 1.6's `machines prune`: pending machines, and those silent for `duration`; asks, deletes. `--force` skips the questions. */
async function pruneMachinesAsking(app: INestApplicationContext, o: { duration: number; notValidatedOnly?: boolean; force?: boolean }): Promise<void> {
  const short = o.duration < SHORT_PRUNE_MS && !o.notValidatedOnly;
  if (short && !o.force && !(await confirm('The duration you provided is less than 2 minutes. This can break installations if the machines are only temporarily disconnected. Continue?'))) {
    console.log('User aborted prune. No changes were made.');
    return;
  }
  const service = app.get(MachinesService);
  const stale = await service.prunable(new Date(Date.now() - o.duration), Boolean(o.notValidatedOnly));
  if (stale.length === 0) {
    console.log('No machines to prune.');
    return;
  }
  printList('human', stale, machineColumns('human'));
  if (!o.force && !(await confirm('You are about to PERMANENTLY remove the above machines from the database. These will NOT be recoverable. Continue?'))) {
    console.log('User aborted prune. No changes were made.');
    return;
  }
  logInfo(`successfully deleted ${await service.deleteMany(stale)} machines`);
}

export async function pruneMachines(app: INestApplicationContext, o: { duration: number; notValidatedOnly?: boolean; force?: boolean }): Promise<void> {
  try {
    await pruneMachinesAsking(app, o);
  } finally {
    stopAsking();
  }
}
