import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, ConfigError } from '@lapi/config';
import { HttpNotifier, loadNotifiers, NotifierConfigError } from './notifier-config';

/** The notification configs of LAPI_NOTIFICATIONS_DIR, read once at start-up; a bad one stops it. */
@Injectable()
export class Notifiers {
  readonly byName = new Map<string, HttpNotifier>();

  constructor(config: AppConfig) {
    if (!config.notificationsDir) return;
    try {
      const { notifiers, otherTypes } = loadNotifiers(config.notificationsDir);
      for (const n of notifiers) this.byName.set(n.name, n);
      // Profiles naming one of these are refused at start-up: say why here.
      if (otherTypes.length) new Logger('Notifications').warn(`only type: http is supported; not loaded: ${otherTypes.join(', ')}`);
    } catch (e) {
      if (e instanceof NotifierConfigError) throw new ConfigError(`invalid LAPI_NOTIFICATIONS_DIR=${JSON.stringify(config.notificationsDir)}: ${e.message}`);
      throw e;
    }
  }

  names(): ReadonlySet<string> {
    return new Set(this.byName.keys());
  }
}
