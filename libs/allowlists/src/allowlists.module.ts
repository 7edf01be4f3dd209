import { Module } from '@nestjs/common';
import { DecisionWritesModule } from '@lapi/decisions';
import { AllowlistsController } from './allowlists.controller';
import { AllowlistsService } from './allowlists.service';

/** Centralized allowlists: the agents' routes, and the check the alert path and lapictl make. */
@Module({
  imports: [DecisionWritesModule],
  controllers: [AllowlistsController],
  providers: [AllowlistsService],
  exports: [AllowlistsService],
})
export class AllowlistsModule {}
