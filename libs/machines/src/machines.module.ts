import { Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { HeartbeatController } from './heartbeat.controller';
import { MachinesService } from './machines.service';
import { WatcherLoginController } from './watcher-login.controller';
import { WatchersController } from './watchers.controller';

@Module({
  imports: [AuthModule],
  controllers: [WatchersController, WatcherLoginController, HeartbeatController],
  providers: [MachinesService],
  exports: [MachinesService],
})
export class MachinesModule {}
