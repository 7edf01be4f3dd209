import 'reflect-metadata';
import { runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { IngestModule } from './app.module';

runService('ingest', () => {
  const config = loadConfig();
  return { module: IngestModule.with(config), options: config };
});
