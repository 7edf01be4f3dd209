import { Injectable, Logger } from '@nestjs/common';
import { NotificationDeliveriesRepository } from '@lapi/db';
import { Notifiers } from './notifiers';

/** An alert as notifications carry it (upstream's models.Alert), and the notifications its profiles name. */
export interface AlertToNotify {
  alert: unknown;
  names: string[];
}

/** Puts notifications in the outbox; the sender delivers them. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly notifiers: Notifiers,
    private readonly deliveries: NotificationDeliveriesRepository,
  ) {}

  /**
   * Called once the alerts are committed, and not awaited by the push: an endpoint or an outbox
   * write never holds an agent's answer. A failed write is logged (the alert itself is stored).
   */
  queue(items: AlertToNotify[]): void {
    const now = Date.now();
    const rows = items.flatMap(({ alert, names }) =>
      names.flatMap((name) => {
        const n = this.notifiers.byName.get(name);
        return n ? [{ notifier: name, alert, dueAt: new Date(now + n.groupWaitMs) }] : [];
      }),
    );
    if (rows.length === 0) return;
    this.deliveries.enqueue(rows).catch((e: Error) => this.logger.error(`${rows.length} notification(s) not queued: ${e.message}`));
  }
}
