import { INestApplicationContext } from '@nestjs/common';
import { AlertDto, AlertsService } from '@lapi/alerts';
import { AllowlistsService } from '@lapi/allowlists';
import { DomainError, ErrorCode, parseCidr, parseDuration, parseIp } from '@lapi/common';
import { DecisionWriter } from '@lapi/decisions';
import { SingleBar } from 'cli-progress';
import { DecisionFilter, normalizeScope } from '@lapi/decision-model';
import { CliError } from '../cli-error';
import { readImportFile } from '../import-file';
import { logInfo, OutputFormat } from '../output';
import type { AddOptions, DeleteOptions, ImportOptions, TargetOptions } from './decisions.options';

/** The machine lapictl's own alerts are recorded under. */
const CLI_MACHINE = { id: 0, machineId: 'lapictl' };

/** One alert holding decisions, as cscli builds it for decisions add and import. */
function manualAlert(scope: string, value: string, reason: string, decisions: AlertDto['decisions'], eventsCount = 1): AlertDto {
  const now = new Date().toISOString();
  return {
    scenario: reason, scenario_hash: '', scenario_version: '', message: reason, events_count: eventsCount, start_at: now, stop_at: now,
    capacity: 0, leakspeed: '0', simulated: false, remediation: true, events: [], source: { scope, value }, decisions,
  } as AlertDto;
}

/** Records lapictl's alert; the service's own refusals name "alert 0 decision 0", which means nothing here. */
async function createAlert(app: INestApplicationContext, alert: AlertDto): Promise<void> {
  try {
    await app.get(AlertsService).create(CLI_MACHINE, [alert]);
  } catch (e) {
    if (e instanceof DomainError && e.code === ErrorCode.BadRequest) throw new CliError(e.message.replace(/^alert \d+ decision \d+: /, ''));
    throw e;
  }
}

function checkDuration(text: string): void {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new CliError(`'${text}' is not a duration (e.g. 4h, 30m, 1d)`);
}

export async function addDecision(app: INestApplicationContext, o: AddOptions): Promise<void> {
  checkDuration(o.duration);
  const scope = o.ip ? 'Ip' : o.range ? 'Range' : o.scope ? normalizeScope(o.scope) : undefined;
  const value = o.ip ?? o.range ?? o.value;
  if (!scope || !value) throw new CliError('missing arguments, a value is required (--ip, --range or --scope and --value)');
  checkValue(scope, value, o.ip ? '--ip' : o.range ? '--range' : `--value with --scope ${o.scope}`);
  if (!o.bypassAllowlist && (scope === 'Ip' || scope === 'Range')) {
    const { allowlisted, reason } = await app.get(AllowlistsService).check(value);
    if (allowlisted) throw new CliError(`${value} is allowlisted by item ${reason}, use --bypass-allowlist to add the decision anyway`);
  }
  // As cscli: an empty -R is no reason given, for the alert and its decision alike.
  const reason = o.reason || `manual '${o.type}' from '${CLI_MACHINE.machineId}'`;
  const decision = { origin: 'cscli', type: o.type, scope, value, duration: o.duration, scenario: reason };
  await createAlert(app, manualAlert(scope, value, reason, [decision]));
  logInfo(`Decision successfully added: ${o.type} on ${scope}:${value} for ${o.duration}`);
}

/** The checks the alert service makes on Ip and Range values, made here so the message names the flag. */
function checkValue(scope: string, value: string, flag: string): void {
  if (scope === 'Ip' && !parseIp(value)) fail(`'${value}' is not an IP address (${flag})`);
  if (scope === 'Range' && (!value.includes('/') || !parseCidr(value))) fail(`'${value}' is not a CIDR range (${flag})`);
}

function deleteFilter(o: TargetOptions): DecisionFilter {
  const filter: DecisionFilter = { type: o.type, scenario: o.scenario, origins: o.origin ? [o.origin] : undefined, contains: !o.contained };
  if (o.ip) filter.ip = parseIp(o.ip) ?? fail(`'${o.ip}' is not an IP address`);
  if (o.range) filter.ip = parseCidr(o.range) ?? fail(`'${o.range}' is not a CIDR range`);
  if (o.scope) filter.scopes = [normalizeScope(o.scope)];
  if (o.value) filter.value = o.value;
  return filter;
}

function fail(message: string): never {
  throw new CliError(message);
}

export async function deleteDecisions(app: INestApplicationContext, o: DeleteOptions): Promise<void> {
  const writer = app.get(DecisionWriter);
  let n: number;
  if (o.id) {
    n = await writer.deleteById(Number(o.id));
  } else {
    const narrowed = o.ip || o.range || o.scope || o.value || o.type || o.origin || o.scenario;
    if (!narrowed && !o.all) fail('give a filter, or --all to delete every decision');
    n = await writer.deleteByFilter(deleteFilter(o));
  }
  logInfo(`${n} decision(s) deleted`);
}

export async function importDecisions(app: INestApplicationContext, format: OutputFormat, o: ImportOptions): Promise<void> {
  if (o.duration) checkDuration(o.duration);
  const { lines, skipped } = readImportFile(o.input, o.format, o);
  for (const s of skipped) console.error(`line ${s.line}: skipped: ${s.why}`);
  const batch = Math.max(1, o.batch);
  const bar = format === 'human' && process.stderr.isTTY ? new SingleBar({ stream: process.stderr }) : undefined;
  bar?.start(lines.length, 0);
  for (let i = 0; i < lines.length; i += batch) {
    const part = lines.slice(i, i + batch);
    const decisions = part.map((l) => ({ origin: l.origin, type: l.type, scope: l.scope, value: l.value, duration: l.duration, scenario: l.reason }));
    // As cscli's import: one alert per batch, source scope cscli/manual-import.
    await createAlert(app, manualAlert('cscli/manual-import', '', `add: ${part.length} IPs`, decisions, part.length));
    bar?.update(i + part.length);
  }
  bar?.stop();
  logInfo(`${lines.length} decision(s) imported${skipped.length ? `, ${skipped.length} line(s) skipped` : ''}`);
  if (skipped.length) process.exitCode = 1;
}
