import { Injectable, Logger } from '@nestjs/common';
import { DecisionChanges } from '@lapi/decision-model';
import { Bus, Revocation, Unsubscribe } from './contracts';

/** The bus of a single process: handlers run before publish returns, so a write is visible to its caller's next read. */
@Injectable()
export class InProcessBus extends Bus {
  private readonly logger = new Logger('InProcessBus');
  private readonly decisionHandlers = new Set<(c: DecisionChanges) => void>();
  private readonly revocationHandlers = new Set<(r: Revocation) => void>();

  async publishDecisionChanges(changes: DecisionChanges): Promise<void> {
    this.deliver(this.decisionHandlers, changes);
  }

  onDecisionChanges(handler: (changes: DecisionChanges) => void): Unsubscribe {
    this.decisionHandlers.add(handler);
    return () => this.decisionHandlers.delete(handler);
  }

  async publishRevocation(revocation: Revocation): Promise<void> {
    this.deliver(this.revocationHandlers, revocation);
  }

  onRevocation(handler: (revocation: Revocation) => void): Unsubscribe {
    this.revocationHandlers.add(handler);
    return () => this.revocationHandlers.delete(handler);
  }

  isConnected(): boolean {
    return true;
  }

  private deliver<T>(handlers: Set<(m: T) => void>, message: T): void {
    for (const h of handlers) {
      try {
        h(message);
      } catch (e) {
        this.logger.error(`a bus handler failed: ${(e as Error).stack}`);
      }
    }
  }
}
