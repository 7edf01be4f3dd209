import type { CertificateRole } from '@lapi/common';
import { DecisionChanges } from '@lapi/decision-model';

/** Subjects of every message on the bus, under the cluster's prefix (LAPI_BUS_SUBJECT_PREFIX). */
export function busSubjects(prefix: string) {
  return {
    decisionChanges: `${prefix}.decisions.changes`,
    revocations: `${prefix}.identities.revoked`,
    /** Request-reply to the CA process (libs/ca's CaRequest → CaReply). */
    caRequests: `${prefix}.ca.requests`,
  } as const;
}

export type BusSubjects = ReturnType<typeof busSubjects>;

/** A bouncer key or machine that was deleted: every node must refuse it from now on. */
export interface Revocation {
  kind: 'bouncer' | 'machine' | 'certificate';
  /** Bouncer: SHA-512 of its key; machine: its machine_id; certificate: its serial (hex). */
  id: string;
}

export type Unsubscribe = () => void;

/**
 * How nodes tell each other about changes. Decision changes carry full records and contiguous
 * sequence numbers, so a receiver can apply them without a database read and can tell when
 * it has missed some.
 */
export abstract class Bus {
  abstract publishDecisionChanges(changes: DecisionChanges): Promise<void>;
  abstract onDecisionChanges(handler: (changes: DecisionChanges) => void): Unsubscribe;
  abstract publishRevocation(revocation: Revocation): Promise<void>;
  abstract onRevocation(handler: (revocation: Revocation) => void): Unsubscribe;
  /** False while the connection to the other nodes is down. */
  abstract isConnected(): boolean;
}

/** A revocation from the bus is believed only if well-formed. */
export function isRevocation(m: unknown): m is Revocation {
  const r = m as Revocation;
  return !!r && (r.kind === 'bouncer' || r.kind === 'machine' || r.kind === 'certificate') && typeof r.id === 'string';
}

/** What the enrollment route asks the CA process on `caRequests` (request-reply), or in-process. */
export type CaRequest =
  /** A new host with an enrollment token: the token gives the role. */
  | { op: 'enroll'; token: string; name: string; csr: string }
  /** A host whose current certificate the route guard has verified: same name and role, no token. */
  | { op: 'renew'; name: string; role: CertificateRole; csr: string };

/** The CA process's answer to a CaRequest. */
export type CaReply =
  | { ok: true; cert: string; ca: string; serial: string; notAfter: string }
  | { ok: false; error: 'bad_request' | 'unauthorized' | 'unavailable'; message: string };

const isString = (v: unknown): v is string => typeof v === 'string';

/** A request from the bus is signed only if it is one of the requests, field by field. */
export function isCaRequest(m: unknown): m is CaRequest {
  const r = m as Record<string, unknown>;
  if (!r || !isString(r.name) || !isString(r.csr)) return false;
  if (r.op === 'enroll') return isString(r.token);
  return r.op === 'renew' && (r.role === 'agent' || r.role === 'bouncer');
}
