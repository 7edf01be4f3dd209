/** What the route guard attaches to a request it lets through. */
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

/** Whose client certificate it is: its OU gives the role (libs/auth's ClientCertificates checks it). */
export type CertificateRole = 'agent' | 'bouncer';

/** A client certificate the route guard has checked. */
export interface CertificateIdentity {
  cn: string;
  role: CertificateRole;
}

export interface LapiRequest {
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  machine?: MachineIdentity;
  bouncer?: BouncerIdentity;
  /** On a route that declares a `certificate`: the one presented, checked. */
  certificate?: CertificateIdentity;
  clientIp?: string;
}
