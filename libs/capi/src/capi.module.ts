import { Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@lapi/config';
import { CapiDecisionsRepository, CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository, UsageMetricsRepository } from '@lapi/db';
import { DecisionWriter, DecisionWritesModule } from '@lapi/decisions';
import { CapiHttp } from './capi-http';
import { CapiWorker } from './capi-worker';

/** Starts the worker in processes that run background jobs, unless LAPI_CAPI turns it off. */
@Injectable()
export class CapiRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CapiWorker) private readonly worker: CapiWorker,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.capiEnabled && this.config.backgroundJobs) this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

/** The cluster's one Central API client (leader-elected through Postgres). */
@Module({
  imports: [DecisionWritesModule],
  providers: [
    CapiStateRepository,
    CapiDecisionsRepository,
    CapiSignalsRepository,
    CapiDeletionsRepository,
    {
      provide: CapiWorker,
      inject: [CapiStateRepository, CapiDecisionsRepository, CapiSignalsRepository, CapiDeletionsRepository, UsageMetricsRepository, DecisionWriter, AppConfig],
      useFactory: (
        state: CapiStateRepository, decisions: CapiDecisionsRepository, signals: CapiSignalsRepository, deletions: CapiDeletionsRepository,
        usageMetrics: UsageMetricsRepository, writer: DecisionWriter, config: AppConfig,
      ) =>
        new CapiWorker(
          { state, decisions, signals, deletions, usageMetrics, http: new CapiHttp(config.capiUrl), publish: (c) => writer.publish(c) },
          { sharing: config.capiSharing, shareManual: config.capiShareManualDecisions, pull: config.capiPull },
        ),
    },
    CapiRunner,
  ],
  exports: [CapiWorker, CapiStateRepository, CapiSignalsRepository, CapiDeletionsRepository],
})
export class CapiModule {}
