import { Command } from 'commander';
import { AlertDto, AlertsService } from '@lapi/alerts';
import { formatDuration, normalizeScope, parseCidr, parseIp } from '@lapi/common';
import { DecisionFilter, DecisionsRepository } from '@lapi/db';
import { DecisionWriter, toDecisionView } from '@lapi/decisions';
import { SingleBar } from 'cli-progress';
import { readImportFile } from '../import-file';
import { printList, Run } from '../output';

/** The machine lapictl's own alerts are recorded under. */
const CLI_MACHINE = { id: 0, machineId: 'lapictl' };

interface TargetOptions {
  ip?: string;
  range?: string;
  scope?: string;
  value?: string;
  type?: string;
  origin?: string;
  scenario?: string;
}

function filterOf(o: TargetOptions): DecisionFilter {
  const filter: DecisionFilter = { type: o.type, scenario: o.scenario, origins: o.origin ? [o.origin] : undefined, contains: true };
  if (o.ip) filter.ip = parseIp(o.ip) ?? fail(`'${o.ip}' is not an IP address`);
  if (o.range) filter.ip = parseCidr(o.range) ?? fail(`'${o.range}' is not a CIDR range`);
  if (o.scope) filter.scopes = [normalizeScope(o.scope)];
  if (o.value) filter.value = o.value;
  return filter;
}

function fail(message: string): never {
  throw new Error(message);
}

/** One alert holding decisions, as cscli builds it for decisions add and import. */
function manualAlert(scope: string, value: string, reason: string, decisions: AlertDto['decisions']): AlertDto {
  const now = new Date().toISOString();
  return {
    scenario: reason, scenario_hash: '', scenario_version: '', message: reason, events_count: 1, start_at: now, stop_at: now,
    capacity: 0, leakspeed: '0', simulated: false, remediation: true, events: [], source: { scope, value }, decisions,
  } as AlertDto;
}

export function decisionsCommand(run: Run): Command {
  const cmd = new Command('decisions').description('manage decisions');
  const target = (c: Command) =>
    c.option('-i, --ip <ip>', 'an IP address').option('-r, --range <cidr>', 'a CIDR range').option('--scope <scope>', 'a scope (Ip, Range, Country, ...)').option('-v, --value <value>', 'a value in that scope');

  target(cmd.command('list').description('list active decisions'))
    .option('-t, --type <type>', 'decision type').option('--origin <origin>', 'origin').option('-s, --scenario <scenario>', 'scenario')
    .option('-l, --limit <n>', 'at most this many', '1000')
    .action((o: TargetOptions & { limit: string }) =>
      run(async (app, format) => {
        const found = await app.get(DecisionsRepository).findActive(filterOf(o), Number(o.limit) || 1000);
        const now = Date.now();
        printList(format, found, {
          header: ['ID', 'Source', 'Scope:Value', 'Reason', 'Action', 'Expiration', 'Alert ID'],
          row: (d) => [d.id, d.origin, `${d.scope}:${d.value}`, d.scenario, d.type, formatDuration(d.until - now), d.alertId ?? ''],
        }, (d) => toDecisionView(d, now));
      })(),
    );

  target(cmd.command('add').description('add a decision (as cscli decisions add)'))
    .option('-d, --duration <duration>', 'how long', '4h').option('-t, --type <type>', 'decision type', 'ban').option('-R, --reason <reason>', 'reason (scenario)')
    .action((o: TargetOptions & { duration: string; type: string; reason?: string }) =>
      run(async (app) => {
        const scope = o.ip ? 'Ip' : o.range ? 'Range' : normalizeScope(o.scope ?? fail('give --ip, --range, or --scope with --value'));
        const value = o.ip ?? o.range ?? o.value ?? fail('give a --value with --scope');
        const reason = o.reason ?? `manual '${o.type}' from 'lapictl'`;
        const decision = { origin: 'cscli', type: o.type, scope, value, duration: o.duration, scenario: reason };
        await app.get(AlertsService).create(CLI_MACHINE, [manualAlert(scope, value, reason, [decision])]);
        console.log(`Decision successfully added: ${o.type} on ${scope}:${value} for ${o.duration}`);
      })(),
    );

  target(cmd.command('delete').description('delete decisions'))
    .option('--id <id>', 'one decision by id').option('-t, --type <type>', 'decision type').option('--origin <origin>', 'origin').option('-s, --scenario <scenario>', 'scenario')
    .option('--all', 'every active decision')
    .action((o: TargetOptions & { id?: string; all?: boolean }) =>
      run(async (app) => {
        const writer = app.get(DecisionWriter);
        let n: number;
        if (o.id) n = await writer.deleteById(Number(o.id));
        else {
          const filter = filterOf(o);
          const narrowed = o.ip || o.range || o.scope || o.value || o.type || o.origin || o.scenario;
          if (!narrowed && !o.all) fail('give a filter, or --all to delete every decision');
          n = await writer.deleteByFilter(filter);
        }
        console.log(`${n} decision(s) deleted`);
      })(),
    );

  cmd.command('import').description('import decisions from a CSV or JSON file (cscli format)')
    .requiredOption('-i, --input <file>', 'the file').option('--format <format>', 'csv or json (guessed from the file)')
    .option('-d, --duration <duration>', 'default duration', '4h').option('-t, --type <type>', 'default type', 'ban')
    .option('-R, --reason <reason>', 'default reason', 'manual import').option('--batch <n>', 'decisions per alert', '1000')
    .action((o: { input: string; format?: 'csv' | 'json'; duration: string; type: string; reason: string; batch: string }) =>
      run(async (app, format) => {
        const { lines, skipped } = readImportFile(o.input, o.format, o);
        for (const s of skipped) console.error(`line ${s.line}: skipped: ${s.why}`);
        const batch = Math.max(1, Number(o.batch) || 1000);
        const bar = format === 'human' && process.stderr.isTTY ? new SingleBar({ stream: process.stderr }) : undefined;
        bar?.start(lines.length, 0);
        for (let i = 0; i < lines.length; i += batch) {
          const part = lines.slice(i, i + batch);
          const decisions = part.map((l) => ({ origin: l.origin, type: l.type, scope: l.scope, value: l.value, duration: l.duration, scenario: l.reason }));
          await app.get(AlertsService).create(CLI_MACHINE, [manualAlert('Import', o.input, `import ${o.input}`, decisions)]);
          bar?.update(i + part.length);
        }
        bar?.stop();
        console.log(`${lines.length} decision(s) imported${skipped.length ? `, ${skipped.length} line(s) skipped` : ''}`);
        if (skipped.length) process.exitCode = 1;
      })(),
    );
  return cmd;
}
