export * from './notification-sender';
export * from './notifications.module';
export * from './notifications.service';
export * from './notifier-config';
export * from './notifiers';
