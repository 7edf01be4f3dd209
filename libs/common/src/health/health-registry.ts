import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

type Check = () => boolean | Promise<boolean>;

/** Readiness checks that modules register (database, bus, index); a process is ready when all pass. */
@Injectable()
export class HealthRegistry implements BeforeApplicationShutdown {
  private readonly checks = new Map<string, Check>();
  private stopping = false;

  register(name: string, check: Check): void {
    this.checks.set(name, check);
  }

  /** Once shutdown starts the process reports not ready, so the edge stops sending it work. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = { shutdown: !this.stopping };
    for (const [name, check] of this.checks) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
    }
    return { ready: Object.values(checks).every(Boolean), checks };
  }
}
