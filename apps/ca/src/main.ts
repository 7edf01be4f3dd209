import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CaSigner } from '@lapi/ca';
import { JsonLogger, logUnhandledRejections } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { CaAppModule } from './app.module';

/** An application context, not an HTTP app: the process holding the CA key opens no port. */
async function main(): Promise<void> {
  const config = Object.assign(loadConfig(), { metricsPort: 0 });
  if (!config.natsUrl) throw Object.assign(new Error('NATS_URL is required: the CA answers the registration service over NATS'), { name: 'ConfigError' });
  const logger = config.logFormat === 'json' ? new JsonLogger(config.logLevel) : undefined;
  const app = await NestFactory.createApplicationContext(CaAppModule.with(config), { logger, abortOnError: false });
  if (!app.get(CaSigner).isReady()) throw new Error(`the CA key cannot be loaded from ${config.ca.keyFile} (see the log above)`);
  app.enableShutdownHooks();
  new Logger('ca').log(`answering signing requests on NATS under ${config.busSubjectPrefix}.ca`);
}

logUnhandledRejections();
main().catch((e: Error) => {
  console.error(e?.name === 'ConfigError' ? `configuration error: ${e.message}` : e);
  process.exit(1);
});
