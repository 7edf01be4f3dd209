import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientCertificates } from '@lapi/auth';
import { BouncersService } from '@lapi/bouncers';
import { BouncerIdentity, LapiRequest, toErrorReply } from '@lapi/common';
import { readDecisionsQuery, readStreamQuery } from './decision-queries';
import { DecisionsService } from './decisions.service';

const JSON_TYPE = 'application/json; charset=utf-8';

type Handler = (bouncer: BouncerIdentity, req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * GET /v1/decisions and GET /v1/decisions/stream, the routes bouncers poll (Fastify answers HEAD
 * from them too). They are registered on Fastify itself, not through a Nest controller: Nest's
 * per-request pipeline (execution context, global guard, pipes, interceptors) cost about a third
 * of a live lookup (see BENCHMARKS.md). They keep the rules every Nest route has: the bouncer's
 * key is checked as the auth guard checks it, the query goes through its schema, and errors are
 * answered by toErrorReply, as the exception filter answers them.
 */
@Injectable()
export class BouncerRoutes implements OnModuleInit {
  private readonly logger = new Logger('DecisionsStream');

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly bouncers: BouncersService,
    private readonly decisions: DecisionsService,
    private readonly certificates: ClientCertificates,
  ) {}

  onModuleInit(): void {
    // No HTTP server in a standalone application context (lapictl): nothing to serve.
    const app = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (!app) return;
    app.get('/v1/decisions', this.route((_, req) => this.find(req)));
    app.get('/v1/decisions/stream', this.route((bouncer, req, reply) => this.stream(bouncer, req, reply)));
  }

  /**
   * A live lookup with a known key is answered synchronously, start to end: no promise is made
   * unless the key or the stream cursor has to come from the database.
   */
  private route(handle: Handler) {
    const fail = (reply: FastifyReply, e: unknown) => {
      const { status, body } = toErrorReply(e);
      return reply.code(status).header('content-type', JSON_TYPE).send(body);
    };
    const answer = (bouncer: BouncerIdentity, req: FastifyRequest, reply: FastifyReply) => {
      // Read by the per-bouncer request counter (cs_lapi_bouncer_requests_total).
      (req as unknown as LapiRequest).bouncer = bouncer;
      const body = handle(bouncer, req, reply);
      if (body instanceof Promise) return body.then((b) => reply.header('content-type', JSON_TYPE).send(b), (e) => fail(reply, e));
      reply.header('content-type', JSON_TYPE).send(body);
    };
    return (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const cert = this.certificates.identify(req, 'bouncer');
        const bouncer = cert ? this.bouncers.identifyByCertificate(`${cert.cn}@${req.ip}`, req.ip) : this.bouncers.identify(req.headers['x-api-key'], req.ip);
        if (bouncer instanceof Promise) return bouncer.then((b) => answer(b, req, reply)).catch((e: unknown) => fail(reply, e));
        return answer(bouncer, req, reply);
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
    const { startup, filter, dedup } = readStreamQuery(req.query as Record<string, unknown>);
    const { body, delivered, failed } = await this.decisions.stream(bouncer, startup, filter, dedup);
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
