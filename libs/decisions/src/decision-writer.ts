import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Bus, publishAfterCommit } from '@lapi/bus';
import { notFound } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DecisionsRepository, DeletionReport } from '@lapi/db';
import { DecisionChanges, DecisionFilter } from '@lapi/decision-model';

/** How often decisions whose time ran out are recorded as ended. */
const SWEEP_EVERY_MS = 1000;

/** What changes decisions besides alert pushes: deletions, expiry; every change is published on the bus. */
@Injectable()
export class DecisionWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Decisions');
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly bus: Bus,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.backgroundJobs) return;
    // sweep() logs its own failures and never rejects.
    this.sweeper = setInterval(() => this.sweep().catch(() => undefined), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
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

  /** Records the end of decisions whose time ran out, so bouncers hear of them. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.decisions.sweepExpired((changes) => this.publish(changes));
    } catch (e) {
      this.logger.warn(`expiry sweep failed: ${(e as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
