import 'reflect-metadata';
import { logUnhandledRejections, runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { RegistrationModule } from './app.module';

logUnhandledRejections();
runService('registration', () => {
  const config = loadConfig();
  return { module: RegistrationModule.with(config), options: config };
});
