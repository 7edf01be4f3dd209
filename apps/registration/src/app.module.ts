import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { BusModule } from '@lapi/bus';
import { HealthModule } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { MachinesModule } from '@lapi/machines';

/** Watcher registration (POST /v1/watchers) and machines removing themselves. */
@Module({})
export class RegistrationModule {
  static with(config?: AppConfig): DynamicModule {
    return {
      module: RegistrationModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule, HealthModule, AuthModule, MachinesModule],
    };
  }
}
