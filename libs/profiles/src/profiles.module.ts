import { Module } from '@nestjs/common';
import { NotificationsModule } from '@lapi/notifications';
import { ProfilesService } from './profiles.service';

/** Upstream's profiles: what decisions an alert without any gets, and whom it notifies. */
@Module({
  imports: [NotificationsModule],
  providers: [ProfilesService],
  exports: [ProfilesService],
})
export class ProfilesModule {}
