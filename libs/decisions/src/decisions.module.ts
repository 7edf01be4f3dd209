import { Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { BouncersModule } from '@lapi/bouncers';
import { BouncerRoutes } from './bouncer-routes';
import { DecisionWriter } from './decision-writer';
import { DecisionsService } from './decisions.service';
import { IndexSync } from './index-sync';
import { MachineDecisionsController } from './machine-decisions.controller';

/** Serving bouncers: the in-memory index and GET /v1/decisions(/stream). */
@Module({
  imports: [BouncersModule, AuthModule],
  providers: [BouncerRoutes, DecisionsService, IndexSync],
  exports: [DecisionsService, IndexSync],
})
export class DecisionsModule {}

/** Changing decisions: DELETE /v1/decisions, expiry sweeps, publishing changes. */
@Module({
  controllers: [MachineDecisionsController],
  providers: [DecisionWriter],
  exports: [DecisionWriter],
})
export class DecisionWritesModule {}
