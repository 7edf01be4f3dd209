import { Injectable } from '@nestjs/common';
import { BouncersService } from '@lapi/bouncers';
import { AuthKind, IpSpan, LapiRequest, RouteAuthenticator, RouteDeclaration, forbidden, parseCidr, parseIp, spanContains, unauthorized } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { ClientCertificates } from './client-certificate';
import { JwtService } from './jwt.service';
import { MachineSessions } from './machine-sessions';

function header(req: LapiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Whether the request carries the credential of this kind (a route open to several kinds checks
 * the one presented). A machine always sends its token (a certificate only replaces the password
 * at login); a bouncer sends its key, or a client certificate and no token.
 */
function carries(req: LapiRequest, kind: AuthKind, certificates: ClientCertificates): boolean {
  switch (kind) {
    case 'public':
      return true;
    case 'machine':
      return req.headers.authorization !== undefined;
    case 'bouncer':
      return req.headers['x-api-key'] !== undefined || (req.headers.authorization === undefined && certificates.presents(req));
  }
}

/** The first of the route's kinds whose credential the request carries; with none, the first kind (which refuses it). */
function claimedKind(req: LapiRequest, kinds: readonly AuthKind[], certificates: ClientCertificates): AuthKind | undefined {
  if (kinds.length === 1) return kinds[0];
  for (const k of kinds) if (carries(req, k, certificates)) return k;
  return kinds[0] as AuthKind | undefined;
}

/**
 * The one check of every caller, for every route in the table (Nest controllers and the bouncer
 * routes registered on Fastify alike): run by the route gate before the body is read.
 *
 * Client certificates (TLS on the service, or the edge's header from a trusted proxy) are checked
 * here too, as upstream: on a bouncer route a certificate, when one is presented, is the only
 * credential looked at (the bouncer `<CN>@<ip>`, auth type tls, created on first use); on a
 * machine route a bouncer's (or a bad) certificate is refused even with a valid token, and the
 * token is still required (an agent's certificate stands for its password at login only).
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
    switch (claimedKind(req, route.auth, this.certificates)) {
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
      case undefined:
        throw forbidden('route has no access rule');
    }
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
