import { Injectable, OnModuleInit } from '@nestjs/common';
import { readGaugeFrom } from '@lapi/common';
import { AlertsRepository, DecisionsRepository } from '@lapi/db';

/** Feeds upstream's cs_active_decisions and cs_alerts gauges from the database at each scrape. */
@Injectable()
export class DatabaseGauges implements OnModuleInit {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly decisions: DecisionsRepository,
  ) {}

  onModuleInit(): void {
    readGaugeFrom('cs_active_decisions', async () =>
      (await this.decisions.countActiveByReason()).map((r) => ({ labels: { reason: r.scenario, origin: r.origin, action: r.type }, value: r.n })));
    readGaugeFrom('cs_alerts', async () => (await this.alerts.countByScenario()).map((r) => ({ labels: { reason: r.scenario }, value: r.n })));
  }
}
