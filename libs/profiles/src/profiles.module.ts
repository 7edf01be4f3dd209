import { Module } from '@nestjs/common';
import { ProfilesService } from './profiles.service';

/** Upstream's profiles: what decisions an alert without any gets, and whom it notifies. */
@Module({
  providers: [ProfilesService],
  exports: [ProfilesService],
})
export class ProfilesModule {}
