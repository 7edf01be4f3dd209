import 'reflect-metadata';
import { runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { RegistrationModule } from './app.module';

runService('registration', () => {
  const config = loadConfig();
  return { module: RegistrationModule.with(config), options: config };
});
