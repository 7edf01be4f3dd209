import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BouncersModule } from '@lapi/bouncers';
import { AuthGuard } from './auth.guard';
import { ClientCertificates } from './client-certificate';
import { JwtService } from './jwt.service';
import { LoginThrottle } from './login-throttle';
import { MachineSessions } from './machine-sessions';

@Module({
  imports: [BouncersModule],
  providers: [ClientCertificates, JwtService, LoginThrottle, MachineSessions, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ClientCertificates, JwtService, LoginThrottle, MachineSessions],
})
export class AuthModule {}
