/** What the route gate attaches to a request it lets through. */
export interface MachineIdentity {
  id: number;
  machineId: string;
}

export interface BouncerIdentity {
  id: number;
  name: string;
  /** The per-host cursor: the last change sequence number this bouncer was sent. */
  lastSeq: string;
}

export interface LapiRequest {
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  machine?: MachineIdentity;
  bouncer?: BouncerIdentity;
  clientIp?: string;
}
