import { Logger } from '@nestjs/common';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import { Bus, busSubjects, BusSubjects, DecisionChanges, Revocation, Unsubscribe } from './contracts';

/** Decisions per message: keeps each message well under NATS's default 1 MB max_payload. */
const DECISIONS_PER_MESSAGE = 1000;

/** Opens the one NATS connection a process uses; reconnects forever, as a replica should. */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true });
}

/**
 * The cluster bus on core NATS. Messages can be lost (a reconnect, a slow consumer): receivers
 * notice from the change sequence and reconcile from Postgres, so the bus need not be durable.
 */
export class NatsBus extends Bus {
  private readonly logger = new Logger('NatsBus');
  private readonly codec = JSONCodec<unknown>();
  private readonly subscriptions = new Set<Subscription>();

  private reconnecting = false;
  private readonly reconnectHandlers = new Set<() => void>();

  private readonly subjects: BusSubjects;

  constructor(
    private readonly nc: NatsConnection,
    subjectPrefix = 'lapi',
  ) {
    super();
    this.subjects = busSubjects(subjectPrefix);
    void this.watchStatus();
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') this.reconnecting = true;
      if (s.type === 'reconnect') {
        this.reconnecting = false;
        this.logger.warn('reconnected to NATS: messages may have been missed');
        for (const h of this.reconnectHandlers) h();
      }
    }
  }

  async publishDecisionChanges(changes: DecisionChanges): Promise<void> {
    for (const part of splitChanges(changes, DECISIONS_PER_MESSAGE)) this.nc.publish(this.subjects.decisionChanges, this.codec.encode(part));
  }

  onDecisionChanges(handler: (changes: DecisionChanges) => void): Unsubscribe {
    return this.subscribe(this.subjects.decisionChanges, (m) => {
      if (isDecisionChanges(m)) handler(m);
    });
  }

  async publishRevocation(revocation: Revocation): Promise<void> {
    this.nc.publish(this.subjects.revocations, this.codec.encode(revocation));
  }

  onRevocation(handler: (revocation: Revocation) => void): Unsubscribe {
    return this.subscribe(this.subjects.revocations, (m) => {
      if (isRevocation(m)) handler(m);
    });
  }

  isConnected(): boolean {
    return !this.nc.isClosed() && !this.reconnecting;
  }

  /** Resolves when the connection is lost and regained: the caller should then reconcile. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await this.nc.drain().catch(() => undefined);
  }

  private subscribe(subject: string, handle: (message: unknown) => void): Unsubscribe {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`${subject}: ${err.message}`);
        try {
          handle(this.codec.decode(msg.data));
        } catch (e) {
          this.logger.warn(`${subject}: dropped a message: ${(e as Error).message}`);
        }
      },
    });
    this.subscriptions.add(sub);
    return () => {
      sub.unsubscribe();
      this.subscriptions.delete(sub);
    };
  }
}

/** Splits a batch into parts with contiguous sub-ranges (each decision of a batch has its own number). */
export function splitChanges(changes: DecisionChanges, size: number): DecisionChanges[] {
  if (changes.decisions.length <= size) return [changes];
  const parts: DecisionChanges[] = [];
  for (let i = 0; i < changes.decisions.length; i += size) {
    const decisions = changes.decisions.slice(i, i + size);
    const last = i + size >= changes.decisions.length;
    parts.push({ fromSeq: decisions[0].seq, toSeq: last ? changes.toSeq : decisions[decisions.length - 1].seq, decisions });
  }
  parts[0].fromSeq = changes.fromSeq;
  return parts;
}

function isDecisionChanges(m: unknown): m is DecisionChanges {
  const c = m as DecisionChanges;
  return !!c && Number.isSafeInteger(c.fromSeq) && Number.isSafeInteger(c.toSeq) && c.fromSeq <= c.toSeq && Array.isArray(c.decisions);
}

function isRevocation(m: unknown): m is Revocation {
  const r = m as Revocation;
  return !!r && (r.kind === 'bouncer' || r.kind === 'machine' || r.kind === 'certificate') && typeof r.id === 'string';
}
