import { SetMetadata } from '@nestjs/common';

/** Who may call a route. Routes without one of these decorators are refused (deny by default). */
export type AuthKind = 'public' | 'machine' | 'bouncer';
export const AUTH_KIND = 'lapi:auth-kind';

/** Anyone: register, login, health. */
export const Public = () => SetMetadata(AUTH_KIND, 'public' satisfies AuthKind);
/** A validated machine with a JWT (agents, cscli). */
export const MachineAuth = () => SetMetadata(AUTH_KIND, 'machine' satisfies AuthKind);
/** A bouncer with an X-Api-Key. */
export const BouncerAuth = () => SetMetadata(AUTH_KIND, 'bouncer' satisfies AuthKind);

/** What the auth guard attaches to a request it lets through. */
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
