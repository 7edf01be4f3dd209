import { randomBytes } from 'node:crypto';
import { AppConfig } from '@lapi/config';
import { CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository } from '@lapi/db';
import { Clock, systemClock } from './capi-clock';
import { CapiHttp } from './capi-http';
import { CapiSession } from './capi-session';
import { CapiStatus, readCapiStatus } from './capi-status';

export interface CapiAdminDeps {
  state: CapiStateRepository;
  signals: CapiSignalsRepository;
  deletions: CapiDeletionsRepository;
  config: AppConfig;
  clock?: Clock;
  http?: CapiHttp;
}

/** What `lapictl capi …` and `lapictl console …` do. Only `register`, `enroll` and `check` talk to CAPI. */
export class CapiAdmin {
  private readonly http: CapiHttp;
  private readonly clock: Clock;
  private readonly session: CapiSession;

  constructor(private readonly deps: CapiAdminDeps) {
    this.http = deps.http ?? new CapiHttp(deps.config.capiUrl);
    this.clock = deps.clock ?? systemClock;
    this.session = new CapiSession(deps.state, this.http, this.clock, deps.config.capiSharing);
  }

  /** Registers a new machine with CAPI and stores its credentials; registering does not log in. */
  async register(opts: { machineId?: string; force?: boolean } = {}): Promise<string> {
    const current = await this.deps.state.get();
    if (current.machineId && !opts.force) throw new Error(`already registered as ${current.machineId} (use --force to register anew)`);
    const machineId = opts.machineId ?? randomBytes(24).toString('hex');
    const password = randomBytes(32).toString('base64url');
    await this.http.register(machineId, password);
    await this.deps.state.saveCredentials(machineId, password);
    return machineId;
  }

  /** From the stored state only: never logs in, however often it is asked. */
  status(): Promise<CapiStatus> {
    return readCapiStatus(this.deps.state, this.deps, this.clock, { url: this.deps.config.capiUrl, sharing: this.deps.config.capiSharing });
  }

  /** Makes sure a valid token exists: the stored one, or one login within the budget. */
  async check(): Promise<CapiStatus> {
    await this.session.token();
    return this.status();
  }

  async enroll(key: string, opts: { name?: string; tags?: string[]; overwrite?: boolean } = {}): Promise<void> {
    const s = await this.deps.state.get();
    await this.session.call('enroll', (t) => this.http.enroll(t, key, opts.name ?? s.machineId ?? '', opts.tags ?? [], opts.overwrite ?? false));
    await this.deps.state.setEnrolled(true);
  }
}
