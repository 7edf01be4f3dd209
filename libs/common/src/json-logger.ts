import { LoggerService } from '@nestjs/common';
import pino from 'pino';

/** Nest's logger as one JSON object per line (pino): what log shippers in a cluster expect. */
export class JsonLogger implements LoggerService {
  private readonly pino: pino.Logger;

  constructor(level: 'error' | 'warn' | 'info' | 'debug') {
    // Level names as words ("warn"), not pino's numbers: what an operator greps for.
    this.pino = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } });
  }

  log(message: unknown, context?: string) {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.pino.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string) {
    this.pino.fatal({ context }, String(message));
  }
}
