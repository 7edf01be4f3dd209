import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BouncerIdentity, JSON_CONTENT_TYPE, LapiRequest, NO_BODY, declareRoute, sendErrorReply } from '@lapi/common';
import { readDecisionsQuery, readStreamQuery } from './decision-queries';
import { DecisionsService } from './decisions.service';
import { PushStreams, wantsPush } from './push-streams';

/** A bouncer's live lookup of an IP, range or value. */
export const DECISIONS_LOOKUP = declareRoute({ method: 'GET', path: '/v1/decisions', auth: 'bouncer', bodyLimit: NO_BODY, service: 'decisions' });
/** A bouncer's poll: everything at startup=true, then what changed since its last poll. */
export const DECISIONS_STREAM = declareRoute({ method: 'GET', path: '/v1/decisions/stream', auth: 'bouncer', bodyLimit: NO_BODY, service: 'decisions' });

/** A bouncer route's handler: the route guard has checked the key and attached the bouncer. */
type Handler = (bouncer: BouncerIdentity, req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * GET /v1/decisions and GET /v1/decisions/stream, the routes bouncers poll (Fastify answers HEAD
 * from them too). They are declared in the route table like every other route, so the route
 * guard checks the bouncer's key before they run, as it does for every route; but they are
 * registered on Fastify itself, not through a Nest controller: Nest's per-request pipeline
 * (execution context, pipes, interceptors) cost about a third of a live lookup (see
 * BENCHMARKS.md). The query goes through its schema, and errors are answered by sendErrorReply, as
 * the exception filter answers them.
 */
@Injectable()
export class BouncerRoutes implements OnModuleInit {
  private readonly logger = new Logger('DecisionsStream');

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly decisions: DecisionsService,
    private readonly push: PushStreams,
  ) {}

  onModuleInit(): void {
    // No HTTP server in a standalone application context (lapictl): nothing to serve.
    const app = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (!app) return;
    app.route({ method: DECISIONS_LOOKUP.method, url: DECISIONS_LOOKUP.path, handler: this.route((_, req) => this.find(req)) });
    app.route({ method: DECISIONS_STREAM.method, url: DECISIONS_STREAM.path, handler: this.route((bouncer, req, reply) => this.stream(bouncer, req, reply)) });
  }

  /** A live lookup with a known key is answered synchronously, start to end: no promise is made unless the stream cursor has to come from the database. */
  private route(handle: Handler) {
    const fail = (reply: FastifyReply, e: unknown) => sendErrorReply(reply, e);
    // A push stream took the reply over (hijacked): nothing is left to send.
    const send = (reply: FastifyReply, body: unknown) => void (reply.sent || reply.header('content-type', JSON_CONTENT_TYPE).send(body));
    return (req: FastifyRequest, reply: FastifyReply): void => {
      try {
        const body = handle((req as unknown as LapiRequest).bouncer!, req, reply);
        if (body instanceof Promise) body.then((b) => send(reply, b), (e: unknown) => fail(reply, e));
        else send(reply, body);
      } catch (e) {
        fail(reply, e);
      }
    };
  }

  private find(req: FastifyRequest): string {
    const { filter, dedup } = readDecisionsQuery(req.query as Record<string, unknown>);
    return this.decisions.find(filter, dedup);
  }

  /** The cursor moves once the whole reply is out ('finish'); a reply cut short is sent again next poll. */
  private async stream(bouncer: BouncerIdentity, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const { startup, filter, dedup, waitMs } = readStreamQuery(req.query as Record<string, unknown>);
    if (wantsPush(req)) return this.push.open(bouncer, req, reply, { startup, filter, dedup });
    const wait = waitMs > 0 ? { ms: waitMs, gone: () => req.socket.destroyed } : undefined;
    const { body, delivered, failed } = await this.decisions.stream(bouncer, startup, filter, dedup, wait);
    const warn = (e: Error) => this.logger.warn(`stream delivery not recorded: ${e.message}`);
    let finished = false;
    reply.raw.once('finish', () => {
      finished = true;
      void delivered().catch(warn);
    });
    reply.raw.once('close', () => {
      if (!finished) void failed().catch(warn);
    });
    return body;
  }
}
