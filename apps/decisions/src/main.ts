import 'reflect-metadata';
import { runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { DecisionsAppModule } from './app.module';

runService('decisions', () => {
  const config = loadConfig();
  return { module: DecisionsAppModule.with(config), options: config };
});
