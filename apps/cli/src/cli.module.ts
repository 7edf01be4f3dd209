import { DynamicModule, Module } from '@nestjs/common';
import { AlertsModule } from '@lapi/alerts';
import { BouncersModule } from '@lapi/bouncers';
import { BusModule } from '@lapi/bus';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { DecisionWritesModule } from '@lapi/decisions';
import { MachinesModule } from '@lapi/machines';

/** What lapictl needs: the database, the bus (to tell running nodes), and the domain services; no index, no jobs. */
@Module({})
export class CliModule {
  static with(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule.forCommand((message) => console.error(`warning: ${message}`)), MachinesModule, BouncersModule, DecisionWritesModule, AlertsModule],
    };
  }
}
