import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { BusModule } from '@lapi/bus';
import { CaEnrollmentModule } from '@lapi/ca';
import { HealthModule } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { MachineRegistrationModule } from '@lapi/machines';

/** Watcher registration (POST /v1/watchers), machines removing themselves, and certificate enrollment (POST /v1/ca/*, signed by the CA process). */
@Module({})
export class RegistrationModule {
  static with(config?: AppConfig): DynamicModule {
    return {
      module: RegistrationModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule.forNode(), HealthModule, AuthModule, MachineRegistrationModule, CaEnrollmentModule.with('bus')],
    };
  }
}
