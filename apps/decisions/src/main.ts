import 'reflect-metadata';
import { logUnhandledRejections, runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { DecisionsAppModule } from './app.module';

logUnhandledRejections();
runService('decisions', () => {
  const config = loadConfig();
  return { module: DecisionsAppModule.with(config), options: config };
});
