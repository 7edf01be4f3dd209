import { Logger } from '@nestjs/common';
import { CapiSim, CapiSimOptions } from '@lapi/capi-sim';
import { AppConfig, loadConfig } from '@lapi/config';
import { CapiDecisionsRepository, CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository, Database, DecisionsRepository, openDatabase, UsageMetricsRepository } from '@lapi/db';
import { CapiAdmin, CapiHttp, CapiWorker, ManualClock } from '@lapi/capi';
import { DecisionChanges } from '@lapi/decision-model';

// The specs drive thousands of rounds; their waits and retries are asserted, not read.
Logger.overrideLogger(['error']);

/**
 * One node's view for the CAPI specs: its own connection to the shared test database, and
 * workers and admin commands on the shared simulated clock. Not exported from the lib.
 */
export class CapiNode {
  readonly state: CapiStateRepository;
  readonly signals: CapiSignalsRepository;
  readonly deletions: CapiDeletionsRepository;
  readonly decisions: CapiDecisionsRepository;
  readonly usageMetrics: UsageMetricsRepository;
  readonly published: DecisionChanges[] = [];

  private constructor(
    readonly db: Database,
    private readonly sim: CapiSim,
    private readonly clock: ManualClock,
    private readonly config: AppConfig,
  ) {
    this.state = new CapiStateRepository(db.dataSource);
    this.signals = new CapiSignalsRepository(db.dataSource);
    this.deletions = new CapiDeletionsRepository(db.dataSource);
    this.decisions = new CapiDecisionsRepository(db.dataSource, new DecisionsRepository(db.dataSource));
    this.usageMetrics = new UsageMetricsRepository(db.dataSource);
  }

  static async open(url: string, sim: CapiSim, clock: ManualClock, overrides: Partial<AppConfig> = {}): Promise<CapiNode> {
    const db = await openDatabase({ url, dataDir: './data', poolSize: 3 });
    const config = Object.assign(loadConfig({}), { capiUrl: sim.url, capiSharing: false }, overrides);
    return new CapiNode(db, sim, clock, config);
  }

  worker(): CapiWorker {
    return new CapiWorker(
      { state: this.state, decisions: this.decisions, signals: this.signals, deletions: this.deletions, usageMetrics: this.usageMetrics, http: new CapiHttp(this.sim.url), publish: async (c) => void this.published.push(c) },
      { sharing: this.config.capiSharing, shareManual: this.config.capiShareManualDecisions, pull: this.config.capiPull, clock: this.clock, random: () => 0.5 },
    );
  }

  admin(): CapiAdmin {
    return new CapiAdmin({ state: this.state, signals: this.signals, deletions: this.deletions, config: this.config, clock: this.clock });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export async function startSim(clock: ManualClock, options: CapiSimOptions = {}): Promise<CapiSim> {
  const sim = new CapiSim({ now: () => clock.now(), ...options });
  await sim.start();
  return sim;
}

export const loginRequests = (sim: CapiSim) => sim.requests.filter((r) => r.path === '/v3/watchers/login').length;
