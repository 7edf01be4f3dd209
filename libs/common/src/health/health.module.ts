import { Global, Module } from '@nestjs/common';
import { HealthController, UpstreamHealthController } from './health.controller';
import { HealthRegistry } from './health-registry';

@Global()
@Module({ controllers: [HealthController], providers: [HealthRegistry], exports: [HealthRegistry] })
export class HealthModule {}

/** Upstream's GET /health, for the service the edge sends it to. */
@Module({ controllers: [UpstreamHealthController] })
export class UpstreamHealthModule {}
