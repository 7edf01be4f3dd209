import { DynamicModule, INestApplication, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { gunzipSync, inflateSync } from 'node:zlib';
import { DomainError, ErrorCode, badRequest } from './errors';
import { HttpExceptionFilter } from './http-exception.filter';

export interface HttpAppOptions {
  maxBodyBytes: number;
  trustedProxies: string[];
  logLevel: 'error' | 'warn' | 'info' | 'debug';
}

const LEVELS: Record<HttpAppOptions['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** JSON bodies, gzip- or deflate-encoded or not; anything unreadable is a 400 with a message. */
function parseJsonBody(encoding: string | undefined, raw: Buffer, limit: number): unknown {
  let body = raw;
  try {
    if (encoding === 'gzip') body = gunzipSync(raw, { maxOutputLength: limit });
    else if (encoding === 'deflate') body = inflateSync(raw, { maxOutputLength: limit });
    else if (encoding && encoding !== 'identity') throw new DomainError(ErrorCode.BadRequest, `unsupported content-encoding '${encoding}'`);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DomainError(ErrorCode.PayloadTooLarge, 'request body too large');
    throw badRequest(`body is not valid ${encoding} data`);
  }
  if (body.length === 0) throw badRequest('empty JSON body');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw badRequest(`invalid JSON body: ${(e as Error).message}`);
  }
}

/** Creates a Nest app on Fastify with the LAPI's body parsing, proxy trust and error shape. */
export async function createHttpApp(module: Type<unknown> | DynamicModule, options: HttpAppOptions): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.maxBodyBytes,
    // Forwarded headers are believed only from these peers (proxy-addr semantics, as upstream's trusted_ips).
    trustProxy: options.trustedProxies.length ? options.trustedProxies : false,
    routerOptions: { maxParamLength: 200 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger: LEVELS[options.logLevel], bodyParser: false, abortOnError: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (req, body, done) => {
    try {
      done(null, parseJsonBody(req.headers['content-encoding'], body as Buffer, options.maxBodyBytes));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // Nest routes Fastify's own errors (parsing, limits, 404) through this filter too.
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  return app;
}
