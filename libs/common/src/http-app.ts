import { DynamicModule, INestApplication, LogLevel, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { DomainError, ErrorCode, badRequest } from './errors';
import { HttpExceptionFilter, TOO_LARGE } from './http-exception.filter';
import { JsonLogger } from './json-logger';
import { bouncerRequests, machineRequests, requestDuration, routeRequests } from './metrics/metrics';
import { startMetricsServer } from './metrics/metrics-server';
import { LapiRequest } from './auth-kinds';
import { RouteAuthenticator, installRouteHooks } from './routes';
import { TlsServerOptions, httpsOptions, manageTlsServer } from './tls/tls-server';

type CountedRequest = LapiRequest & { method: string; routeOptions?: { url?: string } };

function countRequest(req: CountedRequest, elapsedMs: number): void {
  // The route pattern, not the URL: the series stay few.
  const route = req.routeOptions?.url ?? 'unmatched';
  const method = req.method;
  routeRequests.series(route, method).value++;
  requestDuration.series(route, method).observe(elapsedMs / 1000);
  if (req.machine) machineRequests.series(req.machine.machineId, route, method).value++;
  if (req.bouncer) bouncerRequests.series(req.bouncer.name, route, method).value++;
}

export interface HttpAppOptions {
  maxBodyBytes: number;
  trustedProxies: string[];
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  logFormat: 'json' | 'text';
  /** HTTPS when a certificate and key are set (AppConfig.tls). */
  tls?: TlsServerOptions;
}

export interface ServeOptions extends HttpAppOptions {
  listenAddr: string;
  listenPort: number;
  metricsPort: number;
}

const LEVELS: Record<HttpAppOptions['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * How far a compressed body may expand: JSON compresses 5 to 40 times, a decompression bomb a
 * thousand. Any body may expand to the floor, so small requests never meet the ratio.
 */
const MAX_EXPANSION = 100;
const EXPANSION_FLOOR = 1024 * 1024;

/** The most a compressed body of `size` bytes may become: the route's limit, and the ratio. */
export function decompressedLimit(size: number, routeLimit: number): number {
  return Math.min(routeLimit, Math.max(EXPANSION_FLOOR, size * MAX_EXPANSION));
}

/**
 * Decompresses off the event loop (zlib's thread pool), never past the route's limit nor 100
 * times the body: a small gzip body cannot become more than the route accepts, nor megabytes of
 * JSON parsed on the event loop ahead of the bouncers' lookups.
 */
async function decode(encoding: string | undefined, raw: Buffer, limit: number): Promise<Buffer> {
  const maxOutputLength = decompressedLimit(raw.length, limit);
  try {
    if (encoding === 'gzip') return await gunzipAsync(raw, { maxOutputLength });
    if (encoding === 'deflate') return await inflateAsync(raw, { maxOutputLength });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DomainError(ErrorCode.PayloadTooLarge, TOO_LARGE);
    throw badRequest(`body is not valid ${encoding} data`);
  }
  if (encoding && encoding !== 'identity') throw new DomainError(ErrorCode.BadRequest, `unsupported content-encoding '${encoding}'`);
  return raw;
}

/** JSON bodies, gzip- or deflate-encoded or not; anything unreadable is a 400 with a message. */
async function parseJsonBody(encoding: string | undefined, raw: Buffer, limit: number): Promise<unknown> {
  const body = await decode(encoding, raw, limit);
  if (body.length === 0) throw badRequest('empty JSON body');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw badRequest(`invalid JSON body: ${(e as Error).message}`);
  }
}

/** Creates a Nest app on Fastify with the LAPI's body parsing, proxy trust and error shape. */
export async function createHttpApp(module: Type<unknown> | DynamicModule, options: HttpAppOptions): Promise<INestApplication> {
  const https = httpsOptions(options.tls);
  const adapter = new FastifyAdapter({
    ...(https ? { https } : {}),
    // Each route's own limit (its declaration) applies; this is the ceiling.
    bodyLimit: options.maxBodyBytes,
    // Forwarded headers are believed only from these peers (proxy-addr semantics, as upstream's trusted_ips).
    trustProxy: options.trustedProxies.length ? options.trustedProxies : false,
    routerOptions: { maxParamLength: 200 },
    // On shutdown: close idle keep-alive connections at once, let in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const logger = options.logFormat === 'json' ? new JsonLogger(options.logLevel) : LEVELS[options.logLevel];
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger, bodyParser: false, abortOnError: false });
  const fastify = app.getHttpAdapter().getInstance();
  installRouteHooks(fastify, app.get(RouteAuthenticator), options.maxBodyBytes);
  fastify.removeContentTypeParser('application/json');
  // The limit is the route's (set by the route hooks from its declaration), for the bytes received and decoded alike.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    void parseJsonBody(req.headers['content-encoding'], body as Buffer, req.routeOptions.bodyLimit ?? options.maxBodyBytes).then(
      (parsed) => done(null, parsed),
      (e: Error) => done(e, undefined),
    );
  });
  // Replies sent while shutting down ask the client to close, so keep-alive connections
  // do not hold the process open after their last in-flight request.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    countRequest(req as unknown as CountedRequest, reply.elapsedTime);
    done();
  });
  // Nest routes Fastify's own errors (parsing, limits, 404) through this filter too.
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  if (https) {
    const stop = manageTlsServer(app.getHttpServer() as unknown as TlsServer, options.tls!);
    app.getHttpServer().once('close', stop);
  }
  return app;
}

/** Creates the app, listens, and starts the metrics listener: what every service's main.ts does. */
export async function serve(module: Type<unknown> | DynamicModule, options: ServeOptions, name: string): Promise<INestApplication> {
  // Before anything starts: a taken port is then one plain line, not a started app that fails.
  await assertPortFree(options.listenAddr, options.listenPort);
  if (options.metricsPort > 0) await assertPortFree(options.listenAddr, options.metricsPort);
  const app = await createHttpApp(module, options);
  await app.listen(options.listenPort, options.listenAddr);
  const logger = new Logger(name);
  if (options.metricsPort > 0) {
    const metrics = await startMetricsServer(options.metricsPort, options.listenAddr);
    app.getHttpServer().once('close', () => metrics.close());
    logger.log(`metrics on http://${options.listenAddr}:${options.metricsPort}/metrics`);
  }
  const address = `${options.tls?.certFile ? 'https' : 'http'}://${options.listenAddr}:${options.listenPort}`;
  logger.log(`listening on ${address}`);
  // once: Nest's own shutdown hook re-sends the signal after closing, which must then end the process.
  process.once('SIGTERM', () => logger.warn(`SIGTERM: stopping ${address}, finishing the requests in flight`));
  return app;
}

/** Fails with the listen error (EADDRINUSE, EACCES) if the port cannot be taken now. */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => done()));
  });
}

/**
 * A service's main(): builds its module from the configuration and serves it. A configuration
 * error stops the process with the message naming the bad variable; anything else with its stack.
 */
export function runService(name: string, build: () => { module: DynamicModule; options: ServeOptions }): void {
  (async () => {
    const { module, options } = build();
    await serve(module, options, name);
  })().catch((e: Error) => {
    console.error(startupFailure(e));
    process.exit(1);
  });
}

/** What stopped a service from starting, as one line when the operator can fix it. */
function startupFailure(e: Error & { code?: string; port?: number; address?: string }): string | Error {
  if (e?.name === 'ConfigError') return `configuration error: ${e.message}`;
  if (e?.code === 'EADDRINUSE') return `cannot listen on ${e.address ?? ''}:${e.port ?? ''}: port ${e.port ?? ''} is in use (another LAPI, or CrowdSec's?); stop it, or set LAPI_PORT (LAPI_METRICS_PORT for the metrics listener)`;
  if (e?.code === 'EACCES') return `cannot listen on ${e.address ?? ''}:${e.port ?? ''}: permission denied; use a port above 1023 (LAPI_PORT)`;
  return e;
}
