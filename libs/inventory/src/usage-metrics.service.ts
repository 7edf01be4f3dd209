import { Injectable } from '@nestjs/common';
import { BouncerIdentity, MachineIdentity, badRequest } from '@lapi/common';
import { BaseMetricsUpdate, BouncersRepository, MachinesRepository, UsageMetricsRepository } from '@lapi/db';
import { AllMetricsDto, BaseMetricsDto, LogProcessorMetricsDto, RemediationComponentMetricsDto } from './dto/usage-metrics.dto';

export interface MetricsCaller {
  machine?: MachineIdentity;
  bouncer?: BouncerIdentity;
}

/** The one entry of a list that must hold at most one; a second is refused as upstream refuses it. */
function single<T>(items: T[] | null | undefined, what: string): T | undefined {
  if (!items?.length) return undefined;
  if (items.length > 1) throw badRequest(`Payload has more than one ${what}`);
  return items[0];
}

/** Upstream stores the OS as empty strings when none was sent, and the feature flags comma-joined. */
function baseMetricsUpdate(m: BaseMetricsDto): BaseMetricsUpdate {
  return {
    version: m.version,
    osName: m.os?.name ?? '',
    osFamily: m.os?.family ?? '',
    osVersion: m.os?.version ?? '',
    featureFlags: (m.feature_flags ?? []).join(','),
  };
}

function hubState(lp: LogProcessorMetricsDto) {
  return Object.fromEntries(
    Object.entries(lp.hub_items).map(([type, items]) => [type, (items ?? []).map((i) => ({ name: i.name ?? '', status: i.status ?? '', version: i.version ?? '' }))]),
  );
}

/**
 * Usage metrics, as upstream's 1.6+ LAPI takes them: an agent sends one log processor's, a
 * bouncer one remediation component's. What they say of themselves (version, OS, feature flags,
 * hub items, data sources) updates their row; the payload is kept for the retention window and
 * the Central API.
 */
@Injectable()
export class UsageMetricsService {
  constructor(
    private readonly machines: MachinesRepository,
    private readonly bouncers: BouncersRepository,
    private readonly stored: UsageMetricsRepository,
  ) {}

  async record(caller: MetricsCaller, body: AllMetricsDto): Promise<void> {
    const lp = single(body.log_processors, 'log processor');
    const rc = single(body.remediation_components, 'remediation component');
    if (caller.machine) {
      if (!lp) throw badRequest('Missing log processor data');
      // Upstream lets an agent's payload carry a remediation component too, and then keeps that one's.
      await this.fromMachine(caller.machine, lp, rc);
    } else if (caller.bouncer) {
      if (!rc) throw badRequest('Missing remediation component data');
      await this.fromBouncer(caller.bouncer, rc);
    } else {
      throw badRequest('usage metrics need a machine or a bouncer');
    }
  }

  private async fromMachine(machine: MachineIdentity, lp: LogProcessorMetricsDto, rc?: RemediationComponentMetricsDto): Promise<void> {
    const base = rc ?? lp;
    await this.machines.recordBaseMetrics(machine.id, baseMetricsUpdate(base), hubState(lp), lp.datasources);
    await this.stored.insert('LP', machine.machineId, rc ? { type: rc.type ?? '', metrics: rc.metrics ?? null } : { metrics: lp.metrics ?? null });
  }

  /** The bouncer's type stays what its User-Agent said, as upstream keeps it. */
  private async fromBouncer(bouncer: BouncerIdentity, rc: RemediationComponentMetricsDto): Promise<void> {
    await this.bouncers.recordBaseMetrics(bouncer.id, baseMetricsUpdate(rc));
    await this.stored.insert('RC', bouncer.name, { type: rc.type ?? '', metrics: rc.metrics ?? null });
  }
}
