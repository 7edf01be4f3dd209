import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@lapi/bus';
import { MachineIdentity, RefreshingCache } from '@lapi/common';
import { MachinesRepository } from '@lapi/db';

/** How long a machine lookup is trusted before the database is asked again. */
const MACHINE_CACHE_MS = 1000;

/** Looks up the machine behind a token on every request, cheaply, so a deleted machine is refused at once. */
@Injectable()
export class MachineSessions implements OnModuleInit {
  /** Validated machines by machine_id; null for one unknown or not validated. */
  private readonly cache: RefreshingCache<string, MachineIdentity | null>;

  constructor(
    private readonly machines: MachinesRepository,
    private readonly bus: Bus,
  ) {
    this.cache = new RefreshingCache(MACHINE_CACHE_MS, async (machineId) => {
      const m = await this.machines.findByMachineId(machineId);
      return m && m.isValidated ? { id: m.id, machineId: m.machineId } : null;
    });
  }

  onModuleInit(): void {
    this.bus.onRevocation((r) => {
      if (r.kind === 'machine') this.cache.delete(r.id);
    });
  }

  /** The validated machine with this machine_id, or undefined. */
  async find(machineId: string): Promise<MachineIdentity | undefined> {
    return (await this.cache.get(machineId)) ?? undefined;
  }

  forget(machineId: string): void {
    this.cache.delete(machineId);
  }
}
