import { Command } from 'commander';
import { positiveId, positiveIds, wholeNumber } from '../arguments';
import { Read, Run } from '../output';
import type { AlertListOptions, AlertDeleteOptions } from './alerts.options';

const actions = () => import('./alerts.actions');
const reads = () => import('./alerts.reads');

/** cscli's alert filters. */
function filters(c: Command): Command {
  return c.option('-i, --ip <ip>', 'alerts from this source IP').option('-r, --range <cidr>', 'alerts from this range')
    .option('--scope <scope>', 'source scope (ip, range)').option('-v, --value <value>', 'source value in that scope').option('-s, --scenario <scenario>', 'scenario')
    .option('--contained', 'alerts whose source is contained by the range, rather than containing the IP');
}

export function alertsCommand(run: Run, read: Read): Command {
  const cmd = new Command('alerts').alias('alert').description('manage alerts');

  filters(cmd.command('list').alias('ls').description('list alerts, newest first'))
    .option('-a, --all', 'include alerts from the Central API and lists')
    .option('--since <duration>', 'newer than this (4h, 30d)').option('--until <duration>', 'older than this (4h, 30d)')
    .option('--type <type>', 'alerts with a decision of this type (ban, captcha)')
    .option('-m, --machine', 'show the machine that sent each alert')
    .option('-l, --limit <n>', 'at most this many (0: no limit)', wholeNumber, 50)
    .action((o: AlertListOptions) => read(async (reader, format) => (await reads()).listAlerts(reader, format, o))());

  cmd.command('inspect').argument('<ids...>', 'alert ids', positiveIds).description('show alerts with their decisions').option('-d, --details', 'show the events too')
    .action((ids: string[], o: { details?: boolean }) => read(async (reader, format) => (await reads()).inspectAlerts(reader, format, ids, Boolean(o.details)))());

  filters(cmd.command('delete').alias('remove').description('delete alerts (their active decisions end, bouncers are told)'))
    .option('--id <id>', 'one alert', positiveId).option('-a, --all', 'every alert')
    .action((o: AlertDeleteOptions) => run(async (app) => (await actions()).deleteAlerts(app, o))());

  cmd.command('flush').description('apply the retention now: keep at most --max-items alerts, none older than --max-age')
    .option('--max-items <n>', 'alerts to keep', wholeNumber, 5000).option('--max-age <duration>', 'oldest alert to keep', '7d')
    .action((o: { maxItems: number; maxAge: string }) => run(async (app) => (await actions()).flushAlerts(app, o))());
  return cmd;
}
