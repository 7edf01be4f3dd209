import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp } from '@lapi/common';
import { ConfigError, loadConfig } from '@lapi/config';
import { StandaloneModule } from './app.module';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(StandaloneModule.with(config), config);
  await app.listen(config.listenPort, config.listenAddr);
  new Logger('LAPI').log(`listening on http://${config.listenAddr}:${config.listenPort}`);
}

main().catch((e) => {
  // A bad setting names itself; anything else is a start-up failure worth its stack.
  console.error(e instanceof ConfigError ? `configuration error: ${e.message}` : e);
  process.exit(1);
});
