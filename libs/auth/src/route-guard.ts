import { Injectable } from '@nestjs/common';
import { BouncersService } from '@lapi/bouncers';
import { CertificateUse, IpSpan, LapiRequest, RouteAuthenticator, RouteDeclaration, forbidden, parseCidr, parseIp, spanContains, unauthorized } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { ClientCertificates } from './client-certificate';
import { JwtService } from './jwt.service';
import { MachineSessions } from './machine-sessions';

function header(req: LapiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Which credential a route open to both is checked for, as upstream's eitherAuthMiddleware
 * chooses: an API key means a bouncer, a token a machine; with neither, an agent's User-Agent
 * (`crowdsec/...`, a certificate login's) means a machine, anything else a bouncer.
 */
function eitherKind(req: LapiRequest): 'machine' | 'bouncer' {
  if (header(req, 'x-api-key')) return 'bouncer';
  if (header(req, 'authorization')) return 'machine';
  return header(req, 'user-agent')?.startsWith('crowdsec/') ? 'machine' : 'bouncer';
}

/**
 * The one check of every caller, for every route in the table (Nest controllers and the bouncer
 * routes registered on Fastify alike): run by the route hooks (libs/common's route-hooks.ts) before the body is read.
 *
 * Client certificates (TLS on the service, or the edge's header from a trusted proxy) are checked
 * here too, as upstream: on a bouncer route a certificate, when one is presented, is the only
 * credential looked at (the bouncer `<CN>@<ip>`, auth type tls, created on first use); on a
 * machine route a bouncer's (or a bad) certificate is refused even with a valid token, and the
 * token is still required (an agent's certificate stands for its password at login only); on a
 * route that declares a `certificate` (login, renewal) the one presented is checked for the
 * declared roles and attached to the request for the handler.
 */
@Injectable()
export class RouteGuard extends RouteAuthenticator {
  private readonly trustedIps: IpSpan[];

  constructor(
    private readonly jwt: JwtService,
    private readonly sessions: MachineSessions,
    private readonly bouncers: BouncersService,
    config: AppConfig,
    private readonly certificates: ClientCertificates,
  ) {
    super();
    this.trustedIps = config.trustedIps.map((c) => parseCidr(c)!);
  }

  admit(req: LapiRequest, route: RouteDeclaration): void | Promise<void> {
    if (route.certificate) req.certificate = this.certificate(req, route.certificate);
    const kind = route.auth === 'machine-or-bouncer' ? eitherKind(req) : route.auth;
    switch (kind) {
      case 'public':
        return this.restrict(req, route);
      case 'machine':
        return this.machine(req).then((machine) => {
          req.machine = machine;
          this.restrict(req, route);
        });
      case 'bouncer': {
        const bouncer = this.bouncer(req);
        if (bouncer instanceof Promise) {
          return bouncer.then((b) => {
            req.bouncer = b;
            this.restrict(req, route);
          });
        }
        req.bouncer = bouncer;
        return this.restrict(req, route);
      }
    }
  }

  /** The certificate a route reads: checked for its roles (a bad one is refused, never ignored), required or not. */
  private certificate(req: LapiRequest, use: CertificateUse) {
    const cert = use.roles.length === 1 ? this.certificates.identify(req, use.roles[0]) : this.certificates.identifyAny(req);
    if (!cert && use.required) throw unauthorized('this route needs a client certificate on the connection');
    return cert && { cn: cert.cn, role: cert.role };
  }

  /** After authentication, as upstream checks trusted_ips in the handler: a caller without credentials learns nothing. */
  private restrict(req: LapiRequest, route: RouteDeclaration): void {
    if (route.from === undefined) return;
    const ip = parseIp(req.ip);
    if (!ip || !this.trustedIps.some((t) => spanContains(t, ip))) throw forbidden(`access forbidden from this IP (${req.ip})`);
  }

  /** A certificate, when one is presented, is the only credential looked at (as upstream). Synchronous for a known caller. */
  private bouncer(req: LapiRequest) {
    const cert = this.certificates.identify(req, 'bouncer');
    const userAgent = req.headers['user-agent'];
    return cert ? this.bouncers.identifyByCertificate(`${cert.cn}@${req.ip}`, req.ip, userAgent) : this.bouncers.identify(req.headers['x-api-key'], req.ip, userAgent);
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
