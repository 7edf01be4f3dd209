import { Command } from 'commander';
import { Read, Run } from '../output';

const actions = () => import('./allowlists.actions');
const reads = () => import('./allowlists.reads');

/** cscli 1.6.8's `allowlists`: named lists of IPs and ranges that never get a decision. */
export function allowlistsCommand(run: Run, read: Read): Command {
  const cmd = new Command('allowlists').alias('allowlist').description('manage centralized allowlists (IPs and ranges that never get a decision)');
  cmd.command('create').argument('<allowlist_name>').description('create a new allowlist')
    .requiredOption('-d, --description <text>', 'description of the allowlist')
    .action((name: string, o: { description: string }) => run(async (app) => (await actions()).createAllowlist(app, name, o.description))());
  cmd.command('add').argument('<allowlist_name>').argument('<value...>', 'IPs or CIDR ranges (v4 or v6)')
    .description('add IPs or ranges to an allowlist; the active decisions they cover end at once')
    .option('-e, --expiration <duration>', 'how long the entries last (1h, 30d); default: no end')
    .option('-d, --comment <text>', 'comment for the values', '')
    .action((name: string, values: string[], o: { expiration?: string; comment: string }) => run(async (app) => (await actions()).addToAllowlist(app, name, values, o))());
  cmd.command('remove').argument('<allowlist_name>').argument('<value...>').description('remove values from an allowlist')
    .action((name: string, values: string[]) => run(async (app) => (await actions()).removeFromAllowlist(app, name, values))());
  cmd.command('delete').argument('<allowlist_name>').description('delete an allowlist and its entries')
    .action((name: string) => run(async (app) => (await actions()).deleteAllowlist(app, name))());
  cmd.command('list').alias('ls').description('list allowlists')
    .action(() => read(async (reader, format) => (await reads()).listAllowlists(reader, format))());
  cmd.command('inspect').argument('<allowlist_name>').description('show an allowlist and its entries')
    .action((name: string) => read(async (reader, format) => (await reads()).inspectAllowlist(reader, format, name))());
  return cmd;
}
