import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Bus, publishAfterCommit } from '@lapi/bus';
import { RepeatingJob } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { CleanupDeleted, FleetCleanupRepository, StaleCutoff } from '@lapi/db';

/** Upstream's flush scheduler runs these every minute. */
const CLEAN_EVERY_MS = 60_000;

/** Auth types as rows store them (upstream's types.TlsAuthType, ApiKeyAuthType, PasswordAuthType). */
const TLS = 'tls';
const API_KEY = 'api-key';
const PASSWORD = 'password';

/**
 * Upstream's flush of the fleet: usage metrics past their retention, and, when configured,
 * bouncers that stopped pulling and agents that stopped sending heartbeats (bouncers_autodelete,
 * agents_autodelete), per auth type. A certificate-made `name@ip` row left by a pod that moved is
 * one of them. Every node with background jobs runs it; an advisory lock makes it once per cluster.
 */
@Injectable()
export class FleetCleanupService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('FleetCleanup');
  private readonly job = new RepeatingJob('clean-up', CLEAN_EVERY_MS, () => this.clean(), this.logger);

  constructor(
    private readonly cleanup: FleetCleanupRepository,
    private readonly config: AppConfig,
    private readonly bus: Bus,
  ) {}

  onModuleInit(): void {
    if (this.config.backgroundJobs) this.job.start();
  }

  onApplicationShutdown(): void {
    this.job.stop();
  }

  /** One pass; undefined when another node is cleaning. */
  async clean(now = Date.now()): Promise<CleanupDeleted | undefined> {
    const cutoff = (authType: string, ms: number | undefined): StaleCutoff[] => (ms === undefined ? [] : [{ authType, before: new Date(now - ms) }]);
    const { bouncersCertMs, bouncersApiKeyMs, agentsCertMs, agentsLoginPasswordMs } = this.config.autoDelete;
    const deleted = await this.cleanup.cleanOnce({
      usageMetricsBefore: new Date(now - this.config.usageMetricsMaxAgeMs),
      bouncers: [...cutoff(TLS, bouncersCertMs), ...cutoff(API_KEY, bouncersApiKeyMs)],
      machines: [...cutoff(TLS, agentsCertMs), ...cutoff(PASSWORD, agentsLoginPasswordMs)],
    });
    if (!deleted) return undefined;
    if (deleted.bouncers.length + deleted.machines.length > 0) {
      this.logger.log(`auto-deleted bouncers [${deleted.bouncers.join(', ')}] and machines [${deleted.machines.join(', ')}]`);
    }
    await this.tellNodes(deleted);
    return deleted;
  }

  /** The nodes forget the deleted keys and machines at once; without the bus, within their caches' second. */
  private async tellNodes({ keyHashes, machines }: CleanupDeleted): Promise<void> {
    for (const id of keyHashes) await publishAfterCommit(this.logger, 'an auto-deleted bouncer\'s revocation', () => this.bus.publishRevocation({ kind: 'bouncer', id }));
    for (const id of machines) await publishAfterCommit(this.logger, `machine ${id}'s revocation`, () => this.bus.publishRevocation({ kind: 'machine', id }));
  }
}
