import { DynamicModule, Module } from '@nestjs/common';
import { AlertsModule } from '@lapi/alerts';
import { AuthModule } from '@lapi/auth';
import { BusModule } from '@lapi/bus';
import { CaEnrollmentModule } from '@lapi/ca';
import { CapiModule } from '@lapi/capi';
import { HealthModule, UpstreamHealthModule } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { DecisionsModule, MachineDecisionsModule } from '@lapi/decisions';
import { InventoryModule } from '@lapi/inventory';
import { MachineLoginModule, MachineRegistrationModule } from '@lapi/machines';

/** Every module in one process: the LAPI a single box runs. */
@Module({})
export class StandaloneModule {
  static with(config?: AppConfig): DynamicModule {
    return {
      module: StandaloneModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule.forNode(), HealthModule, UpstreamHealthModule, AuthModule, MachineRegistrationModule, MachineLoginModule, DecisionsModule, MachineDecisionsModule, AlertsModule, InventoryModule, CapiModule, CaEnrollmentModule.with('in-process')],
    };
  }
}
