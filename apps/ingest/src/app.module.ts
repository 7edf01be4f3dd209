import { DynamicModule, Module } from '@nestjs/common';
import { AlertsModule } from '@lapi/alerts';
import { AuthModule } from '@lapi/auth';
import { BusModule } from '@lapi/bus';
import { HealthModule } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { InventoryModule } from '@lapi/inventory';
import { MachineDecisionsModule } from '@lapi/decisions';
import { MachineLoginModule } from '@lapi/machines';

/** Agents and cscli: login, heartbeat, alerts, decision deletions, usage metrics; also runs expiry sweeps, retention and the fleet clean-up. */
@Module({})
export class IngestModule {
  static with(config?: AppConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule.forNode(), HealthModule, AuthModule, MachineLoginModule, MachineDecisionsModule, AlertsModule, InventoryModule],
    };
  }
}
