import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions, onRequestHookHandler } from 'fastify';
import { LapiRequest } from '../auth-kinds';
import { forbidden } from '../errors';
import { sendErrorReply } from '../http-exception.filter';
import { RouteDeclaration, bodyLimitOf, declaredRoute } from './route-table';

/** An undeclared route is refused before its body is read; Fastify wants a positive limit anyway. */
const NO_BODY_AT_ALL = 1;

/** Checks a caller against a route's declaration; @lapi/auth provides it. */
export abstract class RouteAuthenticator {
  /**
   * Attaches the caller's identity to the request, or throws (or rejects with) a domain error.
   * Synchronous whenever it can be: the bouncers' lookups must not wait on a promise.
   */
  abstract admit(req: LapiRequest, route: RouteDeclaration): void | Promise<void>;
}

/** Answers a refused request; a body it may carry is never read, so the connection is not kept. */
function refuse(req: FastifyRequest, reply: FastifyReply, e: unknown): void {
  if (Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding']) void reply.header('connection', 'close');
  sendErrorReply(reply, e);
}

function checkCaller(route: RouteDeclaration, auth: RouteAuthenticator): onRequestHookHandler {
  return (req, reply, done) => {
    let pending: void | Promise<void>;
    try {
      pending = auth.admit(req as unknown as LapiRequest, route);
    } catch (e) {
      return refuse(req, reply, e);
    }
    if (pending === undefined) done();
    else pending.then(() => done(), (e: unknown) => refuse(req, reply, e));
  };
}

const undeclared: onRequestHookHandler = (req, reply) => refuse(req, reply, forbidden('route has no access rule'));

/**
 * Every route Fastify registers, through a Nest controller or directly, gets its declaration's
 * body limit and, first of its onRequest hooks, the check of its callers: it runs before the
 * body is read, so a caller without credentials never gets a body parsed. A route that is not
 * declared is refused (deny by default). Call before the routes are registered (app.init()).
 */
export function installRouteHooks(fastify: FastifyInstance, auth: RouteAuthenticator, maxBodyBytes: number): void {
  fastify.addHook('onRoute', (opts: RouteOptions) => {
    const route = typeof opts.method === 'string' ? declaredRoute(opts.method, opts.url) : undefined;
    const own = opts.onRequest === undefined ? [] : [opts.onRequest].flat();
    opts.bodyLimit = route ? bodyLimitOf(route, maxBodyBytes) : NO_BODY_AT_ALL;
    opts.onRequest = [route ? checkCaller(route, auth) : undeclared, ...own];
  });
}
