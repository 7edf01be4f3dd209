import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { CapiDecisionsRepository, CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository, UsageMetricsRepository } from '@lapi/db';
import { DecisionChanges } from '@lapi/decision-model';
import { BlocklistSync } from './blocklist-sync';
import { Clock, systemClock } from './capi-clock';
import { CAPI_USER_AGENT, CapiHttp } from './capi-http';
import { capiMetrics } from './capi-metrics';
import { CapiSession } from './capi-session';
import { CapiUnavailableError } from './capi.errors';
import { DeletionPush } from './deletion-push';
import { pushUsageMetrics } from './metrics-push';
import { SignalPush } from './signal-push';
import { pushFleetUsageMetrics } from './usage-metrics-push';

/** Upstream's schedule: blocklist every 2 h, signals every 10 s, usage metrics every 30 min. */
export const PULL_EVERY_MS = 2 * 3600_000;
export const PULL_JITTER_MS = 10 * 60_000;
export const SIGNALS_EVERY_MS = 10_000;
export const METRICS_EVERY_MS = 30 * 60_000;
/** A leader that stops renewing is replaced after this long (at once when it shuts down cleanly). */
export const LEASE_TTL_MS = 60_000;
/** How long shutdown waits for a round in flight. */
const STOP_WAIT_MS = 2000;
/** After a failure other than a lockout or a spent budget. */
const RETRY_AFTER_MS = 10 * 60_000;

export interface CapiWorkerDeps {
  state: CapiStateRepository;
  decisions: CapiDecisionsRepository;
  signals: CapiSignalsRepository;
  /** Manual deletions waiting to be reported (queued by whichever node deleted). */
  deletions: CapiDeletionsRepository;
  /** What agents and bouncers pushed to POST /v1/usage-metrics, reported on with the legacy metrics. */
  usageMetrics: UsageMetricsRepository;
  http: CapiHttp;
  /** Sends decision changes on the bus, like every other decision write. */
  publish(changes: DecisionChanges): Promise<void>;
}

export interface CapiWorkerOptions {
  sharing: boolean;
  /** Upstream's share_manual_decisions: manual decisions go as signals too. */
  shareManual?: boolean;
  pull: boolean;
  clock?: Clock;
  random?: () => number;
  holder?: string;
}

/**
 * The cluster's one CAPI client. Every node runs a worker; the one holding the lease row does
 * the work, with the shared token, so nodes and restarts never add logins. Nothing here is
 * needed to start or serve: every failure is logged, counted and retried later.
 */
export class CapiWorker {
  readonly session: CapiSession;
  readonly blocklist: BlocklistSync;
  readonly holder: string;
  private readonly logger = new Logger('Capi');
  private readonly clock: Clock;
  private readonly signalPush: SignalPush;
  private readonly deletionPush: DeletionPush;
  private nextSignalsAt = 0;
  private leading = false;
  private ticking?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly deps: CapiWorkerDeps,
    private readonly options: CapiWorkerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.session = new CapiSession(deps.state, deps.http, this.clock, options.sharing);
    this.blocklist = new BlocklistSync(this.session, deps.http, deps.state, deps.decisions, deps.publish);
    this.signalPush = new SignalPush(this.session, deps.http, deps.signals, options.shareManual ?? false);
    this.deletionPush = new DeletionPush(this.session, deps.http, deps.deletions);
  }

  /** Whether the last round found this worker holding the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Ticks now and every 10 s until stopped. */
  start(): void {
    const loop = () => {
      this.running = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, SIGNALS_EVERY_MS).unref();
      });
    };
    loop();
  }

  /** Stops ticking and hands the lease over, so another node takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A round stuck on an unreachable CAPI must not hold up shutdown: it fails on its own later.
    await Promise.race([this.running, new Promise((done) => setTimeout(done, STOP_WAIT_MS).unref())]);
    await this.deps.state.releaseLease(this.holder).catch(() => undefined);
    this.leading = false;
    capiMetrics.leader.set(0);
  }

  /** One round: renew the lease, then run whatever job is due, if we lead. Rounds never overlap. */
  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async round(): Promise<void> {
    try {
      if (!(await this.lead())) return;
      const s = await this.deps.state.get();
      capiMetrics.bannedUntil.set(s.bannedUntil && s.bannedUntil.getTime() > this.clock.now() ? s.bannedUntil.getTime() / 1000 : 0);
      if (s.bannedUntil && s.bannedUntil.getTime() > this.clock.now()) return;
      if (this.options.pull) await this.job('blocklist', s.nextPullAt, () => this.pull(), (at) => this.deps.state.setNextPull(at));
      if (this.options.sharing && this.clock.now() >= this.nextSignalsAt) {
        await this.job('signals', null, () => this.share(), (at) => (this.nextSignalsAt = at.getTime()));
        this.nextSignalsAt = Math.max(this.nextSignalsAt, this.clock.now() + SIGNALS_EVERY_MS);
      }
      if (!s.nextMetricsAt) await this.deps.state.setNextMetrics(this.after(METRICS_EVERY_MS));
      else await this.job('metrics', s.nextMetricsAt, () => this.metrics(), (at) => this.deps.state.setNextMetrics(at));
    } catch (e) {
      this.logger.warn(`CAPI worker round failed: ${(e as Error).message}`);
    }
  }

  private async lead(): Promise<boolean> {
    const s = await this.deps.state.get();
    if (!s.machineId) {
      this.leading = false;
      capiMetrics.leader.set(0);
      return false;
    }
    this.leading = await this.deps.state.acquireLease(this.holder, new Date(this.clock.now()), LEASE_TTL_MS);
    capiMetrics.leader.set(this.leading ? 1 : 0);
    return this.leading;
  }

  /** Runs a job when due; on failure, reschedules it for when trying again makes sense. */
  private async job(name: string, dueAt: Date | null, run: () => Promise<unknown>, reschedule: (at: Date) => unknown): Promise<void> {
    if (dueAt && dueAt.getTime() > this.clock.now()) return;
    try {
      await run();
    } catch (e) {
      const retryAt = e instanceof CapiUnavailableError && e.retryAt ? e.retryAt : this.after(RETRY_AFTER_MS);
      this.logger.warn(`CAPI ${name}: ${(e as Error).message}; next try at ${retryAt.toISOString()}`);
      await this.deps.state.recordError(`${name}: ${(e as Error).message}`, new Date(this.clock.now()));
      await reschedule(retryAt);
    }
  }

  /**
   * Signals, then deletions: a deletion never reaches CAPI before the signal that carried its
   * decision. Deletions are queued only while manual decisions are shared, so whatever is
   * queued goes, even if the switch was turned off since.
   */
  private async share(): Promise<void> {
    await this.signalPush.round();
    await this.deletionPush.round();
  }

  private async pull(): Promise<void> {
    await this.blocklist.pull();
    const now = this.clock.now();
    await this.deps.state.setPulled(new Date(now), this.after(PULL_EVERY_MS + Math.floor((this.options.random ?? Math.random)() * PULL_JITTER_MS)));
  }

  private async metrics(): Promise<void> {
    await pushUsageMetrics(this.session, this.deps.http, this.deps.state);
    await pushFleetUsageMetrics(this.session, this.deps.http, this.deps.usageMetrics, CAPI_USER_AGENT.split('/')[1]);
    await this.deps.state.setNextMetrics(this.after(METRICS_EVERY_MS));
  }

  private after(ms: number): Date {
    return new Date(this.clock.now() + ms);
  }
}
