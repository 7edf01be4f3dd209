import { Global, Inject, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HealthRegistry } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { Bus } from './contracts';
import { InProcessBus } from './in-process-bus';
import { connectNats, NatsBus } from './nats-bus';

/** NATS when NATS_URL is set (cluster mode), otherwise the in-process bus. */
@Global()
@Module({
  providers: [
    {
      provide: Bus,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<Bus> =>
        config.natsUrl ? new NatsBus(await connectNats(config.natsUrl, `lapi-${process.pid}`, config.natsTls), config.busSubjectPrefix) : new InProcessBus(),
    },
  ],
  exports: [Bus],
})
export class BusModule implements OnApplicationShutdown {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Optional() health?: HealthRegistry,
  ) {
    health?.register('bus', () => bus.isConnected());
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.bus instanceof NatsBus) await this.bus.close();
  }
}
