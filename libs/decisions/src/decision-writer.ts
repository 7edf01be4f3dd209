import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Bus, publishAfterCommit } from '@lapi/bus';
import { notFound, RepeatingJob } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DecisionsRepository, DeletionReport } from '@lapi/db';
import { DecisionChanges, DecisionFilter } from '@lapi/decision-model';

/** How often decisions whose time ran out are recorded as ended. */
const SWEEP_EVERY_MS = 1000;

/** What changes decisions besides alert pushes: deletions, expiry; every change is published on the bus. */
@Injectable()
export class DecisionWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Decisions');
  /** Records the end of decisions whose time ran out, so bouncers hear of them. */
  private readonly sweeper = new RepeatingJob('expiry sweep', SWEEP_EVERY_MS, () => this.decisions.sweepExpired((changes) => this.publish(changes)), this.logger);

  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly bus: Bus,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.backgroundJobs) this.sweeper.start();
  }

  onApplicationShutdown(): void {
    this.sweeper.stop();
  }

  /** DELETE /v1/decisions: ends matching decisions; returns how many. */
  async deleteByFilter(filter: DecisionFilter): Promise<number> {
    return this.decisions.endByFilter(filter, (changes) => this.publish(changes), undefined, this.deletionReport());
  }

  async deleteById(id: number): Promise<number> {
    const changes = await this.decisions.endById(id, this.deletionReport());
    if (!changes) throw notFound(`decision ${id} not found or already expired`);
    await this.publish(changes);
    return changes.decisions.length;
  }

  /** Upstream reports a machine's deletions to CAPI when the site shares manual decisions. */
  private deletionReport(): DeletionReport {
    const c = this.config;
    return { toCapi: c.capiEnabled && c.capiSharing && c.capiShareManualDecisions };
  }

  /**
   * Tells the other replicas. Called after the commit, so a failure does not undo anything: it
   * is logged, and every replica finds the changes through its head check.
   */
  async publish(changes: DecisionChanges | undefined): Promise<void> {
    if (!changes) return;
    await publishAfterCommit(this.logger, `changes ${changes.fromSeq}..${changes.toSeq}`, () => this.bus.publishDecisionChanges(changes));
  }

}
