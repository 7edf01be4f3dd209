import { Injectable, OnModuleInit } from '@nestjs/common';
import { readGaugeFrom } from '@lapi/common';
import { UsageMetricsRepository } from '@lapi/db';

/** A client heard from within this long counts as active (heartbeats come every minute, polls more often). */
const ACTIVE_WITHIN_MS = 5 * 60_000;

/** Feeds the fleet gauges from the database at each scrape: one read serves the three. */
@Injectable()
export class FleetGauges implements OnModuleInit {
  private reading?: Promise<Awaited<ReturnType<UsageMetricsRepository['fleetGauges']>>>;

  constructor(private readonly usage: UsageMetricsRepository) {}

  onModuleInit(): void {
    readGaugeFrom('lapi_active_bouncers', async () => (await this.read()).bouncers.map((b) => ({ labels: { type: b.type, version: b.version }, value: b.n })));
    readGaugeFrom('lapi_active_machines', async () => (await this.read()).machines.map((m) => ({ labels: { version: m.version }, value: m.n })));
    readGaugeFrom('lapi_bouncer_last_pull_age_seconds', async () => (await this.read()).pullAges.map((p) => ({ labels: { bouncer: p.name, type: p.type }, value: p.age })));
  }

  /** The three gauges are collected together: they share the scrape's one read. */
  private read() {
    this.reading ??= this.usage.fleetGauges(ACTIVE_WITHIN_MS).finally(() => setTimeout(() => (this.reading = undefined), 1000).unref());
    return this.reading;
  }
}
