import { Command } from 'commander';
import { name, positiveDuration } from '../arguments';
import { Read, Run } from '../output';
import type { MachineAddOptions } from './machines.options';

const actions = () => import('./machines.actions');
const reads = () => import('./machines.reads');

export function machinesCommand(run: Run, read: Read): Command {
  const cmd = new Command('machines').alias('machine').description('manage machines (agents, cscli)');
  cmd
    .command('add')
    .argument('[name]', 'machine name', name)
    .description('add a machine, validated unless --no-validate')
    .option('-p, --password <password>', 'its password')
    .option('-a, --auto', 'generate the password (and the name, when none is given)')
    .option('-f, --file <file>', 'write the credentials to this file (- for stdout), as cscli does')
    .option('-u, --url <url>', 'the LAPI URL written in the credentials file')
    .option('--force', 'replace the password of an existing machine')
    .option('--no-validate', 'leave it pending validation')
    .action((machine: string | undefined, o: MachineAddOptions) => run(async (app, format) => (await actions()).addMachine(app, format, machine, o))());
  cmd.command('list').alias('ls').description('list machines')
    .action(() => read(async (reader, format) => (await reads()).listMachines(reader, format))());
  cmd.command('inspect').argument('<name>', 'machine name', name).description('show one machine: its version, OS, data sources, feature flags (cscli 1.6\'s layout)')
    .option('-H, --hub', 'show its hub items instead')
    .action((machine: string, o: { hub?: boolean }) => read(async (reader, format) => (await reads()).inspectMachine(reader, format, machine, Boolean(o.hub)))());
  cmd.command('prune').description('delete pending machines and those silent for a while, after a confirmation')
    .option('-d, --duration <duration>', 'time since a validated machine\'s last heartbeat (default 10m)', positiveDuration, 600_000)
    .option('--not-validated-only', 'only prune machines that are not validated')
    .option('--force', 'do not ask for confirmation')
    .action((o: { duration: number; notValidatedOnly?: boolean; force?: boolean }) => run(async (app) => (await actions()).pruneMachines(app, o))());
  cmd.command('validate <name>').description('validate a machine registered with cscli lapi register')
    .action((machine: string) => run(async (app) => (await actions()).validateMachine(app, machine))());
  cmd.command('delete <names...>').alias('remove').description('delete machines')
    .action((names: string[]) => run(async (app) => (await actions()).deleteMachines(app, names))());
  return cmd;
}
