import { Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { HeartbeatController } from './heartbeat.controller';
import { MachinesService } from './machines.service';
import { WatcherLoginController } from './watcher-login.controller';
import { WatchersController } from './watchers.controller';

// A service serves exactly the routes the edge sends it (apps/*/test/routes.e2e-spec.ts), so the
// machines' routes come in two modules, one per service; MachinesModule alone serves none.

@Module({
  imports: [AuthModule],
  providers: [MachinesService],
  exports: [MachinesService],
})
export class MachinesModule {}

/** POST /v1/watchers and DELETE /v1/watchers/self: the registration service's. */
@Module({ imports: [MachinesModule], controllers: [WatchersController] })
export class MachineRegistrationModule {}

/** POST /v1/watchers/login and GET /v1/heartbeat: the ingest service's, with the routes an agent's token is for. */
@Module({ imports: [MachinesModule], controllers: [WatcherLoginController, HeartbeatController] })
export class MachineLoginModule {}
