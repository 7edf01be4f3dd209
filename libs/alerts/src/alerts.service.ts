import { Injectable, Logger } from '@nestjs/common';
import { AllowlistsService } from '@lapi/allowlists';
import { badRequest, formatDuration, notFound, parseCidr, parseDuration, parseIp } from '@lapi/common';
import { AlertFilter, AlertsRepository, MachinesRepository, NewAlert, NewDecision, StoredAlert } from '@lapi/db';
import { DecisionWriter } from '@lapi/decisions';
import { NotificationsService } from '@lapi/notifications';
import { ProfilesService } from '@lapi/profiles';
import { randomUUID } from 'node:crypto';
import { normalizeScope } from '@lapi/decision-model';
import { AlertBatcher } from './alert-batcher';
import { parseAlertTime } from './alert-time';
import { AlertDto, DecisionDto } from './dto/alert.dto';

/** The longest decision accepted (about 100 years): durations beyond it are typos. */
const MAX_DURATION_MS = 100 * 365 * 86_400_000;
/** A machine's last push time is written at most this often (cscli machines list shows it to the minute anyway). */
const RECORD_PUSH_EVERY_MS = 30_000;

@Injectable()
export class AlertsService {
  private readonly lastPushRecorded = new Map<number, number>();
  private readonly logger = new Logger('Alerts');

  constructor(
    private readonly batcher: AlertBatcher,
    private readonly alerts: AlertsRepository,
    private readonly machines: MachinesRepository,
    private readonly decisions: DecisionWriter,
    private readonly profiles: ProfilesService,
    private readonly allowlists: AllowlistsService,
    private readonly notifications: NotificationsService,
  ) {}

  /** Stores alerts and their decisions in one transaction, then tells every replica. Returns the new ids. */
  async create(machine: { id: number; machineId: string }, all: AlertDto[]): Promise<string[]> {
    const dtos = await this.withoutAllowlisted(all);
    if (dtos.length === 0) return [];
    const now = Date.now();
    const alerts = dtos.map((a, i) => toNewAlert(a, machine.machineId, `alert ${i}`));
    // Profiles run before the transaction: GetDecisionsCount reads the database, and a slow read must not hold the batch.
    const outcomes = await Promise.all(dtos.map((a) => this.profiles.run(a)));
    const decisions = dtos.map((a, i) => {
      const wanted = a.decisions?.length ? a.decisions : outcomes[i].decisions;
      return wanted.map((d, j) => toNewDecision(d, a.simulated, now, `alert ${i} decision ${j}`));
    });
    const alertIds = await this.batcher.insert(alerts, decisions);
    // Committed: the notifications go to the outbox without holding this answer.
    this.notifications.queue(
      dtos.flatMap((a, i) => (outcomes[i].notifications.length ? [{ alert: notifiedAlert(a, alerts[i], alertIds[i], decisions[i], now), names: outcomes[i].notifications.flatMap((n) => n.names) }] : [])),
    );
    await this.recordPush(machine.id, now);
    return alertIds;
  }

  /**
   * Upstream drops an alert without decisions whose Ip or Range source is allowlisted: it is not
   * stored and gets no decision. Alerts with decisions (cscli, lapictl) were checked by their sender.
   */
  private async withoutAllowlisted(dtos: AlertDto[]): Promise<AlertDto[]> {
    const checked = dtos.map((a) => (!a.decisions?.length && ['Ip', 'Range'].includes(normalizeScope(a.source.scope)) ? a.source.value : ''));
    if (checked.every((v) => v === '')) return dtos;
    const reasons = await this.allowlists.reasonsAmong(checked);
    if (reasons.size === 0) return dtos;
    for (const [i, reason] of reasons) this.logger.log(`alert source ${dtos[i].source.value} is allowlisted by ${reason}, skipping`);
    return dtos.filter((_, i) => !reasons.has(i));
  }

  private async recordPush(machineId: number, now: number): Promise<void> {
    if (now - (this.lastPushRecorded.get(machineId) ?? 0) < RECORD_PUSH_EVERY_MS) return;
    this.lastPushRecorded.set(machineId, now);
    await this.machines.recordPush(machineId);
  }

  search(filter: AlertFilter): Promise<StoredAlert[]> {
    return this.alerts.search(filter);
  }

  async get(id: string): Promise<StoredAlert> {
    const found = await this.alerts.findById(id);
    if (!found) throw notFound('object not found');
    return found;
  }

  /** Deletes matching alerts; each chunk of their decisions ended is published once committed. */
  deleteByFilter(filter: AlertFilter): Promise<number> {
    return this.alerts.deleteByFilter(filter, (changes) => this.decisions.publish(changes));
  }

  async deleteById(id: string): Promise<number> {
    const deleted = await this.alerts.deleteById(id, (changes) => this.decisions.publish(changes));
    if (deleted === 0) throw notFound('object not found');
    return deleted;
  }
}

/** The alert as upstream's notifications carry it (models.Alert, as GET /v1/alerts/{id} shows it). */
function notifiedAlert(a: AlertDto, stored: NewAlert, id: string, decisions: NewDecision[], now: number): Record<string, unknown> {
  return {
    capacity: a.capacity,
    created_at: new Date(now).toISOString(),
    decisions: decisions.map((d) => ({
      duration: formatDuration(d.until.getTime() - now), origin: d.origin, scenario: d.scenario, scope: d.scope, simulated: d.simulated, type: d.type, uuid: d.uuid, value: d.value,
    })),
    events: a.events ?? [],
    events_count: a.events_count,
    id: Number(id),
    labels: a.labels ?? null,
    leakspeed: a.leakspeed,
    machine_id: stored.machineId,
    message: a.message,
    meta: a.meta ?? [],
    remediation: a.remediation ?? false,
    scenario: a.scenario,
    scenario_hash: a.scenario_hash,
    scenario_version: a.scenario_version,
    simulated: a.simulated,
    source: { ...a.source, scope: stored.sourceScope },
    start_at: a.start_at,
    stop_at: a.stop_at,
    uuid: stored.uuid,
  };
}

function time(text: string, where: string): Date {
  const d = parseAlertTime(text);
  if (!d) throw badRequest(`${where}: '${text}' is not a valid time (RFC 3339 expected)`);
  return d;
}

function toNewAlert(a: AlertDto, machineId: string, where: string): NewAlert {
  return {
    uuid: isUuid(a.uuid) ? a.uuid! : randomUUID(),
    machineId,
    scenario: a.scenario,
    scenarioHash: a.scenario_hash,
    scenarioVersion: a.scenario_version,
    message: a.message,
    eventsCount: a.events_count,
    startedAt: time(a.start_at, `${where} start_at`),
    stoppedAt: time(a.stop_at, `${where} stop_at`),
    capacity: a.capacity,
    leakSpeed: a.leakspeed,
    simulated: a.simulated,
    remediation: a.remediation ?? false,
    sourceScope: normalizeScope(a.source.scope),
    sourceValue: a.source.value,
    sourceIp: a.source.ip ?? '',
    sourceRange: a.source.range ?? '',
    sourceAsNumber: a.source.as_number ?? '',
    sourceAsName: a.source.as_name ?? '',
    sourceCountry: a.source.cn ?? '',
    sourceLatitude: a.source.latitude ?? 0,
    sourceLongitude: a.source.longitude ?? 0,
    labels: a.labels ?? [],
    events: (a.events ?? []).map((e) => ({ timestamp: e.timestamp, meta: e.meta ?? [] })),
    meta: a.meta ?? [],
  };
}

function toNewDecision(d: DecisionDto, simulated: boolean, now: number, where: string): NewDecision {
  const scope = normalizeScope(d.scope);
  const ms = parseDuration(d.duration);
  if (ms === undefined || ms <= 0 || ms > MAX_DURATION_MS) {
    throw badRequest(`${where}: duration '${d.duration}' is not a positive duration such as 4h`);
  }
  let ipRange: string | null = null;
  if (scope === 'Ip') {
    const span = parseIp(d.value);
    if (!span) throw badRequest(`${where}: '${d.value}' is not a valid IP address for scope Ip`);
    ipRange = span.cidr;
  } else if (scope === 'Range') {
    const span = parseCidr(d.value);
    if (!span || !d.value.includes('/')) throw badRequest(`${where}: '${d.value}' is not a valid CIDR range for scope Range`);
    ipRange = span.cidr;
  }
  return {
    uuid: isUuid(d.uuid) ? d.uuid! : randomUUID(),
    until: new Date(now + ms),
    scenario: d.scenario,
    type: d.type,
    scope,
    value: d.value,
    origin: d.origin,
    simulated: simulated || (d.simulated ?? false),
    ipRange,
  };
}

function isUuid(v: string | null | undefined): boolean {
  return !!v && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
}
