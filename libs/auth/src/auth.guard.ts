import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BouncersService } from '@lapi/bouncers';
import { AUTH_KIND, AuthKind, LapiRequest, forbidden, unauthorized } from '@lapi/common';
import { ClientCertificates } from './client-certificate';
import { JwtService } from './jwt.service';
import { MachineSessions } from './machine-sessions';

function header(req: LapiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Global guard: every route must declare who may call it; undeclared routes are refused. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly sessions: MachineSessions,
    private readonly bouncers: BouncersService,
    private readonly certificates: ClientCertificates,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<LapiRequest>();
    switch (kind) {
      case 'public':
        return true;
      case 'machine':
        req.machine = await this.machine(req);
        return true;
      case 'bouncer':
        req.bouncer = await this.bouncer(req);
        return true;
      case undefined:
        throw forbidden('route has no access rule');
    }
  }

  /** A certificate, when one is presented, is the only credential looked at (as upstream). */
  private bouncer(req: LapiRequest) {
    const cert = this.certificates.identify(req, 'bouncer');
    return cert ? this.bouncers.identifyByCertificate(`${cert.cn}@${req.ip}`, req.ip) : this.bouncers.identify(req.headers['x-api-key'], req.ip);
  }

  private async machine(req: LapiRequest) {
    // A bouncer's (or a bad) certificate is refused here even with a valid token.
    this.certificates.identify(req, 'agent');
    const auth = header(req, 'authorization');
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (!token) throw unauthorized('auth header is empty');
    const machineId = this.jwt.verify(token);
    if (!machineId) throw unauthorized('Token is expired or invalid');
    const machine = await this.sessions.find(machineId);
    if (!machine) throw unauthorized(`machine ${machineId} is unknown or not validated`);
    return machine;
  }
}
