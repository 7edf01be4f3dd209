import { Module } from '@nestjs/common';
import { BouncersService } from './bouncers.service';

@Module({ providers: [BouncersService], exports: [BouncersService] })
export class BouncersModule {}
