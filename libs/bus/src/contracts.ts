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
