import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HealthRegistry } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { Bus } from './contracts';
import { InProcessBus } from './in-process-bus';
import { LocalBusClient, LocalBusServer, localBusSocket } from './local-bus-socket';
import { connectNats, connectNatsOnce, NatsBus } from './nats-bus';

/** The bus and what must be stopped with it. */
interface OpenBus {
  bus: Bus;
  close(): Promise<void>;
}

const OPEN_BUS = Symbol('OPEN_BUS');
/** How long an admin command waits for NATS before writing without it. */
const COMMAND_CONNECT_MS = 3000;

/**
 * A node's bus: NATS when NATS_URL is set (cluster mode); otherwise the in-process bus, which a
 * LAPI on its embedded database also serves to lapictl on a socket beside the database's.
 */
async function openNodeBus(config: AppConfig): Promise<OpenBus> {
  if (config.natsUrl) {
    const bus = new NatsBus(await connectNats(config.natsUrl, `lapi-${process.pid}`, config.natsTls), config.busSubjectPrefix);
    return { bus, close: () => bus.close() };
  }
  const bus = new InProcessBus();
  if (config.databaseUrl) return { bus, close: async () => undefined };
  const server = new LocalBusServer(bus, localBusSocket(config.dataDir));
  await server.listen();
  return { bus, close: () => server.close() };
}

/**
 * An admin command's bus: it only publishes, and never waits on a bus that is down. Its writes
 * are in the database either way; running nodes then learn of them from their reconcile.
 */
async function openCommandBus(config: AppConfig, warn: (message: string) => void): Promise<OpenBus> {
  const quiet = { bus: new InProcessBus(), close: async () => undefined };
  if (config.natsUrl) {
    try {
      const bus = new NatsBus(await connectNatsOnce(config.natsUrl, `lapictl-${process.pid}`, COMMAND_CONNECT_MS, config.natsTls), config.busSubjectPrefix);
      return { bus, close: () => bus.close() };
    } catch (e) {
      warn(`the bus (NATS_URL) is unreachable (${(e as Error).message}): running nodes will learn of this change from the database within about a second`);
      return quiet;
    }
  }
  const client = config.databaseUrl ? undefined : await LocalBusClient.connect(localBusSocket(config.dataDir));
  return client ? { bus: client, close: () => client.close() } : quiet;
}

function busModule(open: (config: AppConfig) => Promise<OpenBus>): DynamicModule {
  return {
    module: BusModule,
    providers: [
      { provide: OPEN_BUS, inject: [AppConfig], useFactory: open },
      { provide: Bus, inject: [OPEN_BUS], useFactory: (o: OpenBus) => o.bus },
    ],
    exports: [Bus],
  };
}

@Global()
@Module({})
export class BusModule implements OnApplicationShutdown {
  /** For a LAPI node or service. */
  static forNode(): DynamicModule {
    return busModule(openNodeBus);
  }

  /** For lapictl: `warn` tells the operator when the bus is down (the command goes on without it). */
  static forCommand(warn: (message: string) => void): DynamicModule {
    return busModule((config) => openCommandBus(config, warn));
  }

  constructor(
    @Inject(OPEN_BUS) private readonly open: OpenBus,
    @Optional() health?: HealthRegistry,
  ) {
    health?.register('bus', () => open.bus.isConnected());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.open.close();
  }
}
