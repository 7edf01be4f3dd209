import { Module } from '@nestjs/common';
import { NotificationSender } from './notification-sender';
import { NotificationsService } from './notifications.service';
import { Notifiers } from './notifiers';

/** Upstream's http notifications from profiles: configs, the outbox and its sender. */
@Module({
  providers: [Notifiers, NotificationsService, NotificationSender],
  exports: [Notifiers, NotificationsService],
})
export class NotificationsModule {}
