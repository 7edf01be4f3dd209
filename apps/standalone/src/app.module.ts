import { Module } from '@nestjs/common';
import { AlertsModule } from '@lapi/alerts';
import { AuthModule } from '@lapi/auth';
import { BouncersModule } from '@lapi/bouncers';
import { BusModule } from '@lapi/bus';
import { HealthController } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { DecisionsModule } from '@lapi/decisions';
import { MachinesModule } from '@lapi/machines';

/** Every module in one process: the LAPI a single box runs. */
@Module({})
export class StandaloneModule {
  static with(config?: AppConfig) {
    return {
      module: StandaloneModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule, AuthModule, BouncersModule, MachinesModule, DecisionsModule, AlertsModule],
      controllers: [HealthController],
    };
  }
}
