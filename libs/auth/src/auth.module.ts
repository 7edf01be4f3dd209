import { Module } from '@nestjs/common';
import { BouncersModule } from '@lapi/bouncers';
import { RouteAuthenticator } from '@lapi/common';
import { ClientCertificates } from './client-certificate';
import { JwtService } from './jwt.service';
import { LoginThrottle } from './login-throttle';
import { MachineSessions } from './machine-sessions';
import { RouteGuard } from './route-guard';

/** Tokens, login throttling, client certificates, and the route guard that the HTTP app's route hooks run for every route. */
@Module({
  imports: [BouncersModule],
  providers: [ClientCertificates, JwtService, LoginThrottle, MachineSessions, { provide: RouteAuthenticator, useClass: RouteGuard }],
  exports: [ClientCertificates, JwtService, LoginThrottle, MachineSessions, RouteAuthenticator],
})
export class AuthModule {}
