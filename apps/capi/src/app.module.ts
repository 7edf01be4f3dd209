import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { BusModule } from '@lapi/bus';
import { CapiModule } from '@lapi/capi';
import { HealthModule } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';

/** The Central API client: run it anywhere, as often as wanted; the Postgres lease makes one client of them. */
@Module({})
export class CapiAppModule {
  static with(config?: AppConfig): DynamicModule {
    return {
      module: CapiAppModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule.forNode(), HealthModule, AuthModule, CapiModule],
    };
  }
}
