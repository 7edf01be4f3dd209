import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@lapi/config';
import { Bus } from './contracts';
import { InProcessBus } from './in-process-bus';

@Global()
@Module({
  providers: [
    {
      provide: Bus,
      inject: [AppConfig],
      useFactory: (config: AppConfig): Bus => {
        if (config.natsUrl) {
          throw new Error('invalid NATS_URL: cluster mode over NATS is not available in this build yet; unset it to run standalone');
        }
        return new InProcessBus();
      },
    },
  ],
  exports: [Bus],
})
export class BusModule {}
