import 'reflect-metadata';
import { logUnhandledRejections, runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { StandaloneModule } from './app.module';

logUnhandledRejections();
runService('standalone', () => {
  const config = loadConfig();
  return { module: StandaloneModule.with(config), options: config };
});
