import 'reflect-metadata';
import { runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { CapiAppModule } from './app.module';

runService('capi', () => {
  const config = loadConfig();
  return { module: CapiAppModule.with(config), options: config };
});
