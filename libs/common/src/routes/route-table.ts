import { RequestMapping, RequestMethod } from '@nestjs/common';
import type { CertificateRole } from '../auth-kinds';

/**
 * Who may call a route, named by the credential checked: anyone, a validated machine's JWT, a
 * bouncer's X-Api-Key or client certificate. A client certificate is not a kind of its own, as
 * upstream: a bouncer's stands for its key on `bouncer` routes, and on a `public` route that
 * declares a `certificate` it is what the handler reads (an agent's for its password at login, a
 * host's to renew it); the route guard (libs/auth) checks them all. A new kind joins this union,
 * and the route guard's exhaustive switch then tells where it must be checked. `machine-or-bouncer`
 * is upstream's eitherAuth (usage metrics): the credential presented says which one is checked.
 */
export type AuthKind = 'public' | 'machine' | 'bouncer' | 'machine-or-bouncer';

/** A client certificate a route reads: of these roles, and whether the route refuses a caller without one. */
export interface CertificateUse {
  roles: readonly CertificateRole[];
  required: boolean;
}

/** The cluster services the edge routes to (README, "Cluster mode"). */
export type ClusterService = 'ingest' | 'decisions' | 'registration';

export type RouteMethod = 'GET' | 'POST' | 'DELETE';

export const KiB = 1024;

/** Everything the server and the edge need to know about one route, declared once beside its handler. */
export interface RouteDeclaration {
  method: RouteMethod;
  /** Fastify's path syntax: `/v1/alerts/:id`. GET routes answer HEAD too. */
  path: string;
  /** The callers allowed; checked before the body is read. */
  auth: AuthKind;
  /** A client certificate the handler reads: the route guard checks it and attaches it as `req.certificate`. */
  certificate?: CertificateUse;
  /** The largest body accepted, in bytes once decompressed: a number, or the LAPI_MAX_BODY_BYTES setting. */
  bodyLimit: number | 'LAPI_MAX_BODY_BYTES';
  /** Callers are allowed only from these addresses (403 otherwise), as upstream's `trusted_ips`. */
  from?: 'LAPI_TRUSTED_IPS';
  /** The service the edge sends it to; null: each service answers it for its own probes, the edge does not route it. */
  service: ClusterService | null;
}

/** Routes that take no body still get a limit: a DELETE may carry one, and it is never read past this. */
export const NO_BODY = KiB;

const declared: RouteDeclaration[] = [];

/** Adds a route to the table; every route served must be declared (the route hooks refuse the others). */
export function declareRoute(route: RouteDeclaration): RouteDeclaration {
  if (declaredRoute(route.method, route.path)) throw new Error(`route ${route.method} ${route.path} is declared twice`);
  declared.push(route);
  return route;
}

/** Every route declared by the libs loaded in this process. */
export function routeTable(): readonly RouteDeclaration[] {
  return declared;
}

/** The declaration of a method and path as Fastify registers it (HEAD is the GET route's). */
export function declaredRoute(method: string, path: string): RouteDeclaration | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return declared.find((r) => r.method === m && r.path === path);
}

/** The route's body limit in bytes, given the LAPI_MAX_BODY_BYTES setting. */
export function bodyLimitOf(route: RouteDeclaration, maxBodyBytes: number): number {
  return route.bodyLimit === 'LAPI_MAX_BODY_BYTES' ? maxBodyBytes : route.bodyLimit;
}

/**
 * A Nest handler's route: declares it in the table and maps it, with its full path (controllers
 * have no prefix, so the URL is spelled out beside its auth kinds and limits).
 */
export function Route(route: RouteDeclaration): MethodDecorator {
  return RequestMapping({ path: declareRoute(route).path, method: RequestMethod[route.method] });
}
