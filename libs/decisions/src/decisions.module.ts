import { Module } from '@nestjs/common';
import { BouncerRoutes } from './bouncer-routes';
import { DecisionWriter } from './decision-writer';
import { DecisionsService } from './decisions.service';
import { IndexSync } from './index-sync';
import { MachineDecisionsController } from './machine-decisions.controller';
import { PushStreams } from './push-streams';
import { StreamCursors } from './stream-cursors';

/** Serving bouncers: the in-memory index and GET /v1/decisions(/stream). */
@Module({
  providers: [BouncerRoutes, DecisionsService, IndexSync, StreamCursors, PushStreams],
  exports: [DecisionsService, IndexSync, PushStreams],
})
export class DecisionsModule {}

/** Changing decisions: deletions, expiry sweeps, publishing changes (the CAPI worker and the alerts use it too). */
@Module({
  providers: [DecisionWriter],
  exports: [DecisionWriter],
})
export class DecisionWritesModule {}

/** DELETE /v1/decisions(/:id): a machine's deletions, on the service the edge sends them to (ingest). */
@Module({ imports: [DecisionWritesModule], controllers: [MachineDecisionsController] })
export class MachineDecisionsModule {}
