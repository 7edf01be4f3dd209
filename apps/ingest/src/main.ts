import 'reflect-metadata';
import { logUnhandledRejections, runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { IngestModule } from './app.module';

logUnhandledRejections();
runService('ingest', () => {
  const config = loadConfig();
  return { module: IngestModule.with(config), options: config };
});
