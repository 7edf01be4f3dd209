import { DynamicModule, INestApplication } from '@nestjs/common';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { createHttpApp, routeTable } from '@lapi/common';
import { AppConfig, loadConfig } from '@lapi/config';
import { createTestDatabase } from './test-database';

export interface ServedApp {
  app: INestApplication;
  fastify: FastifyInstance;
  /** `METHOD /path` of every route Fastify registered, sorted; HEAD left out (Fastify adds it to each GET). */
  served: string[];
}

/** An app built as its main.ts builds it, initialised but not listening, with the routes it registered. */
export async function startServedApp(module: DynamicModule, config: AppConfig, before?: (fastify: FastifyInstance) => void): Promise<ServedApp> {
  const app = await createHttpApp(module, config);
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const served: string[] = [];
  fastify.addHook('onRoute', (r: RouteOptions) => {
    if (r.method !== 'HEAD') served.push(`${String(r.method)} ${r.url}`);
  });
  before?.(fastify);
  await app.init();
  return { app, fastify, served: served.sort() };
}

/**
 * `METHOD /path` of the declared routes, sorted. With a service: those it must serve, and only
 * those: the routes the edge sends it, and the probes every service answers (service null).
 * The CAPI worker ('capi') is sent none, so it serves the probes alone.
 */
export function declaredRoutes(service?: string): string[] {
  return routeTable()
    .filter((r) => service === undefined || r.service === service || r.service === null)
    .map((r) => `${r.method} ${r.path}`)
    .sort();
}

/** The routes a cluster service's app serves, built on a fresh database as its main.ts builds it. */
export async function routesServedBy(module: (config: AppConfig) => DynamicModule): Promise<string[]> {
  const db = await createTestDatabase();
  const config = Object.assign(loadConfig({}), { logLevel: 'warn', databaseUrl: db.url, metricsPort: 0 });
  try {
    const { app, served } = await startServedApp(module(config), config);
    await app.close();
    return served;
  } finally {
    await db.drop();
  }
}
