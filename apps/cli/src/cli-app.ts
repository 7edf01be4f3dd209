import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@lapi/config';
import { CliModule } from './cli.module';
import { checkEmbeddedDatabase, checkPostgresDatabase } from './database-check';

/**
 * The heavy part of lapictl, loaded only once a command has parsed: configuration, database, bus,
 * domain services. `bus: false` for a read, which has nothing to tell the nodes.
 */
export async function openCliApp(options: { bus?: boolean } = {}): Promise<INestApplicationContext> {
  const config = Object.assign(loadConfig(), { backgroundJobs: false, metricsPort: 0, embeddedRole: 'lapictl' as const });
  if (options.bus === false) config.natsUrl = undefined;
  if (config.databaseUrl) await checkPostgresDatabase(config.databaseUrl);
  else checkEmbeddedDatabase(config.dataDir);
  // No Nest logger: a failure is reported once, as one line, by main.ts.
  return NestFactory.createApplicationContext(CliModule.with(config), { logger: false, abortOnError: false });
}
