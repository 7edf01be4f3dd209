import { Command, Option } from 'commander';
import { decisionType, positiveId, wholeNumber } from '../arguments';
import { Read, Run } from '../output';
import type { ListOptions, AddOptions, DeleteOptions, ImportOptions } from './decisions.options';

const actions = () => import('./decisions.actions');
const reads = () => import('./decisions.reads');

/** cscli's -i/-r/--scope/-v, shared by list, add and delete. */
function target(c: Command): Command {
  return c.option('-i, --ip <ip>', 'an IP address (shorthand for --scope ip --value <IP>)').option('-r, --range <cidr>', 'a CIDR range (shorthand for --scope range --value <RANGE>)')
    .option('--scope <scope>', 'a scope (ip, range, country, ...)').option('-v, --value <value>', 'a value in that scope');
}

export function decisionsCommand(run: Run, read: Read): Command {
  const cmd = new Command('decisions').alias('decision').description('manage decisions');

  target(cmd.command('list').alias('ls').description('list active decisions, grouped by alert as cscli shows them'))
    .option('-a, --all', 'include decisions from the Central API and lists')
    .option('--since <duration>', 'from alerts newer than this (4h, 30d)').option('--until <duration>', 'from alerts older than this (4h, 30d)')
    .option('-t, --type <type>', 'decision type (ban, captcha)').option('--origin <origin>', 'origin (cscli, cscli-import, crowdsec, lists, CAPI)')
    .option('-s, --scenario <scenario>', 'scenario').option('-l, --limit <n>', 'number of alerts to read (0: no limit)', wholeNumber, 100)
    .option('--no-simu', 'exclude decisions in simulation mode').option('-m, --machine', 'show the machine that triggered each decision')
    .option('--contained', 'decisions contained by the range, rather than containing the IP')
    .action((o: ListOptions & { simu: boolean }) => read(async (reader, format) => (await reads()).listDecisions(reader, format, { ...o, noSimu: !o.simu }))());

  target(cmd.command('add').description('add a decision (as cscli decisions add)'))
    .option('-d, --duration <duration>', 'how long (1h, 4h, 30m)', '4h').option('-t, --type <type>', 'decision type (ban, captcha, throttle)', decisionType, 'ban')
    .option('-R, --reason <reason>', 'reason (scenario)').option('-B, --bypass-allowlist', 'add the decision even if the value is allowlisted')
    .action((o: AddOptions) => run(async (app) => (await actions()).addDecision(app, o))());

  target(cmd.command('delete').alias('remove').description('delete decisions (bouncers are told)'))
    .option('--id <id>', 'one decision by id', positiveId).option('-t, --type <type>', 'decision type').option('--origin <origin>', 'origin')
    .option('-s, --scenario <scenario>', 'scenario').option('--all', 'every active decision')
    .option('--contained', 'decisions contained by the range, rather than containing the IP')
    .action((o: DeleteOptions) => run(async (app) => (await actions()).deleteDecisions(app, o))());

  cmd.command('import').description('import decisions from a CSV or JSON file (cscli format; the flags override the file)')
    .requiredOption('-i, --input <file>', 'the file')
    .addOption(new Option('--format <format>', 'csv or json (guessed from the file)').choices(['csv', 'json']))
    .option('-d, --duration <duration>', 'duration of every decision (else the file\'s, else 4h)')
    .option('-t, --type <type>', 'type of every decision (else the file\'s, else ban)')
    .option('-R, --reason <reason>', 'reason of every decision (else the file\'s, else manual)')
    .option('--scope <scope>', 'scope of every decision (else the file\'s, else ip or range)')
    .option('--batch <n>', 'decisions per alert', wholeNumber, 1000)
    .action((o: ImportOptions) => run(async (app, format) => (await actions()).importDecisions(app, format, o))());
  return cmd;
}
