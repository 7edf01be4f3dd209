import 'reflect-metadata';
import { runService } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { StandaloneModule } from './app.module';

runService('standalone', () => {
  const config = loadConfig();
  return { module: StandaloneModule.with(config), options: config };
});
