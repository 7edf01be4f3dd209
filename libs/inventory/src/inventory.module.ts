import { Module } from '@nestjs/common';
import { FleetCleanupService } from './fleet-cleanup.service';
import { FleetGauges } from './fleet-gauges';
import { UsageMetricsController } from './usage-metrics.controller';
import { UsageMetricsService } from './usage-metrics.service';

/** The fleet: what agents and bouncers run (usage metrics, 1.6+), and the clean-up of those gone. */
@Module({
  controllers: [UsageMetricsController],
  providers: [UsageMetricsService, FleetCleanupService, FleetGauges],
  exports: [UsageMetricsService, FleetCleanupService],
})
export class InventoryModule {}
