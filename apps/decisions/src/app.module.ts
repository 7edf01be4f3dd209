import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { BusModule } from '@lapi/bus';
import { HealthModule, UpstreamHealthModule } from '@lapi/common';
import { AppConfig, ConfigModule } from '@lapi/config';
import { DbModule } from '@lapi/db';
import { DecisionsModule } from '@lapi/decisions';

/** Bouncers: lookups and the stream, from this replica's in-memory index. Run as many as needed. */
@Module({})
export class DecisionsAppModule {
  static with(config?: AppConfig): DynamicModule {
    return {
      module: DecisionsAppModule,
      imports: [ConfigModule.forRoot(config), DbModule, BusModule.forNode(), HealthModule, UpstreamHealthModule, AuthModule, DecisionsModule],
    };
  }
}
