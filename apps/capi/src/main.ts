import 'reflect-metadata';
import { logUnhandledRejections, runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { CapiAppModule } from './app.module';

logUnhandledRejections();
runService('capi', () => {
  const config = loadConfig();
  return { module: CapiAppModule.with(config), options: config };
});
