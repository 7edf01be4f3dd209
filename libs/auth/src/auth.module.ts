import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BouncersModule } from '@lapi/bouncers';
import { AuthGuard } from './auth.guard';
import { JwtService } from './jwt.service';
import { LoginThrottle } from './login-throttle';
import { MachineSessions } from './machine-sessions';

@Module({
  imports: [BouncersModule],
  providers: [JwtService, LoginThrottle, MachineSessions, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [JwtService, LoginThrottle, MachineSessions],
})
export class AuthModule {}
