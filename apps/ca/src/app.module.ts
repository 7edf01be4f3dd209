import { DynamicModule, Module } from '@nestjs/common';
import { BusModule } from '@lapi/bus';
import { CaSignerModule } from '@lapi/ca';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';

/** The CA process: holds the key, answers signing requests on NATS. No HTTP listener. */
@Module({})
export class CaAppModule {
  static with(config?: AppConfig): DynamicModule {
    return { module: CaAppModule, imports: [ConfigModule.forRoot(config), DbModule, BusModule.forNode(), CaSignerModule] };
  }
}
