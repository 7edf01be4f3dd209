import { Command } from 'commander';
import { name, positiveDuration, wholeNumber } from '../arguments';
import { Read, Run } from '../output';

const actions = () => import('./bouncers.actions');
const reads = () => import('./bouncers.reads');

export function bouncersCommand(run: Run, read: Read): Command {
  const cmd = new Command('bouncers').alias('bouncer').description('manage bouncers (remediation components)');
  cmd
    .command('add')
    .argument('<name>', 'bouncer name', name)
    .description('add a bouncer and print its API key (shown only this once)')
    .option('-k, --key <key>', 'use this key (e.g. one kept from a CrowdSec database) instead of a generated one')
    .option('-l, --length <n>', 'random bytes in a generated key, hex-encoded as cscli\'s (16: 32 characters; default: 32 bytes, base64url)', wholeNumber)
    .action((bouncer: string, o: { key?: string; length?: number }) => run(async (app, format) => (await actions()).addBouncer(app, format, bouncer, o))());
  cmd.command('list').alias('ls').description('list bouncers')
    .action(() => read(async (reader, format) => (await reads()).listBouncers(reader, format))());
  cmd.command('inspect').argument('<name>', 'bouncer name', name).description('show one bouncer: its client, OS, last pull (cscli 1.6\'s layout)')
    .action((bouncer: string) => read(async (reader, format) => (await reads()).inspectBouncer(reader, format, bouncer))());
  cmd.command('prune').description('delete the bouncers that have not pulled for a while, after a confirmation')
    .option('-d, --duration <duration>', 'time since the last pull (default 1h)', positiveDuration, 3_600_000)
    .option('--force', 'do not ask for confirmation')
    .action((o: { duration: number; force?: boolean }) => run(async (app) => (await actions()).pruneBouncers(app, o))());
  cmd.command('delete <names...>').alias('remove').description('delete bouncers (and their per-host rows)')
    .action((names: string[]) => run(async (app) => (await actions()).deleteBouncers(app, names))());
  return cmd;
}
