import { Logger } from '@nestjs/common';

/**
 * Logs a promise rejection nobody handled instead of letting Node end the process. A missed
 * `.catch` (lint forbids them, but a dependency may have one) must not take down every replica
 * at once when the same event (a NATS reconnect, Postgres going away) reaches them all.
 */
export function logUnhandledRejections(): void {
  const logger = new Logger('Process');
  process.on('unhandledRejection', (reason) => {
    logger.error(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  });
}
