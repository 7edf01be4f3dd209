import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@lapi/bus';
import { MachineIdentity } from '@lapi/common';
import { MachinesRepository } from '@lapi/db';

/** How long a machine lookup is trusted before the database is asked again. */
const MACHINE_CACHE_MS = 1000;

/** Looks up the machine behind a token on every request, cheaply, so a deleted machine is refused at once. */
@Injectable()
export class MachineSessions implements OnModuleInit {
  private readonly cache = new Map<string, { identity?: MachineIdentity; at: number }>();

  constructor(
    private readonly machines: MachinesRepository,
    private readonly bus: Bus,
  ) {}

  onModuleInit(): void {
    this.bus.onRevocation((r) => {
      if (r.kind === 'machine') this.cache.delete(r.id);
    });
  }

  /** The validated machine with this machine_id, or undefined. */
  async find(machineId: string): Promise<MachineIdentity | undefined> {
    const hit = this.cache.get(machineId);
    if (hit && Date.now() - hit.at < MACHINE_CACHE_MS) return hit.identity;
    let m;
    try {
      m = await this.machines.findByMachineId(machineId);
    } catch (e) {
      // Database briefly away: trust what we knew a moment ago.
      if (hit) return hit.identity;
      throw e;
    }
    const identity = m && m.isValidated ? { id: m.id, machineId: m.machineId } : undefined;
    this.cache.set(machineId, { identity, at: Date.now() });
    return identity;
  }

  forget(machineId: string): void {
    this.cache.delete(machineId);
  }
}
