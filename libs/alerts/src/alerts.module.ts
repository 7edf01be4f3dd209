import { Module } from '@nestjs/common';
import { AllowlistsModule } from '@lapi/allowlists';
import { DecisionWritesModule } from '@lapi/decisions';
import { NotificationsModule } from '@lapi/notifications';
import { ProfilesModule } from '@lapi/profiles';
import { AlertBatcher } from './alert-batcher';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { DatabaseGauges } from './database-gauges';
import { RetentionService } from './retention.service';

@Module({
  imports: [AllowlistsModule, DecisionWritesModule, NotificationsModule, ProfilesModule],
  controllers: [AlertsController],
  providers: [AlertBatcher, AlertsService, RetentionService, DatabaseGauges],
  exports: [AlertsService, RetentionService],
})
export class AlertsModule {}
