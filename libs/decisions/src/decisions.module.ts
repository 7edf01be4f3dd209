import { Module } from '@nestjs/common';
import { DecisionsController } from './decisions.controller';
import { DecisionsService } from './decisions.service';
import { IndexSync } from './index-sync';

@Module({
  controllers: [DecisionsController],
  providers: [DecisionsService, IndexSync],
  exports: [DecisionsService, IndexSync],
})
export class DecisionsModule {}
