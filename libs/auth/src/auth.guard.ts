import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BouncersService } from '@lapi/bouncers';
import { AUTH_KIND, AuthKind, LapiRequest, forbidden, unauthorized } from '@lapi/common';
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
        req.bouncer = await this.bouncers.identify(req.headers['x-api-key'], req.ip);
        return true;
      case undefined:
        throw forbidden('route has no access rule');
    }
  }

  private async machine(req: LapiRequest) {
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
