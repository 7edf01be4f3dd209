import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RepeatingJob } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { AlertsRepository, DecisionsRepository } from '@lapi/db';

const FLUSH_EVERY_MS = 60_000;

/** Upstream's db_config.flush: caps alerts by count and age, keeping those with active decisions. */
@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private readonly job = new RepeatingJob('flush', FLUSH_EVERY_MS, () => this.flush(), this.logger);

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly decisions: DecisionsRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.backgroundJobs) this.job.start();
  }

  onApplicationShutdown(): void {
    this.job.stop();
  }

  async flush(): Promise<{ alerts: number; decisions: number }> {
    const alerts = await this.alerts.flush(this.config.flushMaxItems, this.config.flushMaxAgeMs);
    const decisions = await this.decisions.purgeEnded(this.config.flushMaxAgeMs);
    if (alerts + decisions > 0) this.logger.log(`flushed ${alerts} alerts and ${decisions} ended decisions`);
    return { alerts, decisions };
  }
}
