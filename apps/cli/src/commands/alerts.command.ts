import { Command } from 'commander';
import { AlertsService, toAlertView } from '@lapi/alerts';
import { normalizeScope, parseCidr, parseDuration, parseIp } from '@lapi/common';
import { AlertFilter } from '@lapi/db';
import { printList, Run } from '../output';

interface FilterOptions {
  ip?: string;
  range?: string;
  scope?: string;
  value?: string;
  scenario?: string;
  since?: string;
  until?: string;
  limit?: string;
}

function ago(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`--${name}: '${text}' is not a duration`);
  return new Date(Date.now() - ms);
}

function filterOf(o: FilterOptions): AlertFilter {
  const f: AlertFilter = { scenario: o.scenario, value: o.value, scope: o.scope ? normalizeScope(o.scope) : undefined, since: ago(o.since, 'since'), until: ago(o.until, 'until') };
  if (o.ip) f.ip = parseIp(o.ip) ?? fail(`'${o.ip}' is not an IP address`);
  if (o.range) f.ip = parseCidr(o.range) ?? fail(`'${o.range}' is not a CIDR range`);
  return f;
}

function fail(message: string): never {
  throw new Error(message);
}

export function alertsCommand(run: Run): Command {
  const cmd = new Command('alerts').description('manage alerts');
  const filters = (c: Command) =>
    c.option('-i, --ip <ip>', 'alerts with a decision on this IP').option('-r, --range <cidr>', 'alerts with a decision on this range')
      .option('--scope <scope>', 'source scope').option('-v, --value <value>', 'source value').option('-s, --scenario <scenario>', 'scenario')
      .option('--since <duration>', 'started less than this long ago').option('--until <duration>', 'started more than this long ago');

  filters(cmd.command('list').description('list alerts, newest first')).option('-l, --limit <n>', 'at most this many', '50')
    .action((o: FilterOptions) =>
      run(async (app, format) => {
        const found = await app.get(AlertsService).search({ ...filterOf(o), limit: Number(o.limit) || 50 });
        printList(format, found, {
          header: ['ID', 'Value', 'Reason', 'Country', 'AS', 'Decisions', 'Created At'],
          row: ({ alert: a, decisions }) => [a.id, `${a.sourceScope}:${a.sourceValue}`, a.scenario, a.sourceCountry, a.sourceAsName, decisions.map((d) => `${d.type}:${decisions.length}`).slice(0, 1).join(''), a.createdAt.toISOString()],
        }, (a) => toAlertView(a));
      })(),
    );

  cmd.command('inspect <id>').description('show one alert with its decisions and events').action((id: string) =>
    run(async (app, format) => {
      if (!/^\d+$/.test(id)) fail(`alert id '${id}' is not a number`);
      const view = toAlertView(await app.get(AlertsService).get(id));
      if (format === 'json') console.log(JSON.stringify(view, null, 2));
      else {
        console.log(`Alert ${view.id}: ${view.scenario} on ${view.source.scope}:${view.source.value} (machine ${view.machine_id}, ${view.created_at})`);
        console.log(`  ${view.message}`);
        for (const d of view.decisions) console.log(`  decision ${d.id}: ${d.type} ${d.scope}:${d.value} for ${d.duration} (${d.origin})`);
        for (const e of view.events) console.log(`  event ${e.timestamp}: ${e.meta.map((m) => `${m.key}=${m.value}`).join(' ')}`);
      }
    })(),
  );

  filters(cmd.command('delete').description('delete alerts (their active decisions end)')).option('--id <id>', 'one alert').option('--all', 'every alert')
    .action((o: FilterOptions & { id?: string; all?: boolean }) =>
      run(async (app) => {
        const service = app.get(AlertsService);
        let n: number;
        if (o.id) n = await service.deleteById(o.id);
        else {
          const narrowed = o.ip || o.range || o.scope || o.value || o.scenario || o.since || o.until;
          if (!narrowed && !o.all) fail('give a filter, or --all to delete every alert');
          n = await service.deleteByFilter(filterOf(o));
        }
        console.log(`${n} alert(s) deleted`);
      })(),
    );
  return cmd;
}
