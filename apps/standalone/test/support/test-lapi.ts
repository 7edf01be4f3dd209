import { INestApplication } from '@nestjs/common';
import { createHttpApp } from '@lapi/common';
import { AppConfig, loadConfig } from '@lapi/config';
import { MachinesService } from '@lapi/machines';
import { BouncersService } from '@lapi/bouncers';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { AddressInfo } from 'node:net';
import { StandaloneModule } from '../../src/app.module';

export interface TestLapi {
  url: string;
  app: INestApplication;
  config: AppConfig;
  db?: TestDatabase;
  /** A validated machine's token, created on first use. */
  machineToken(name?: string): Promise<string>;
  /** A new bouncer's API key. */
  bouncerKey(name?: string): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * The standalone LAPI on a loopback port: on a fresh Postgres database copied from the test
 * template, or with `embeddedDir`, on the embedded database in that directory.
 */
export async function startTestLapi(overrides: Partial<AppConfig> & { embeddedDir?: string; sharedDatabaseUrl?: string } = {}): Promise<TestLapi> {
  const { embeddedDir, sharedDatabaseUrl, ...rest } = overrides;
  const db = embeddedDir || sharedDatabaseUrl ? undefined : await createTestDatabase();
  const config = Object.assign(loadConfig({}), { logLevel: 'warn', listenPort: 0 }, rest, {
    databaseUrl: sharedDatabaseUrl ?? db?.url,
    dataDir: embeddedDir ?? './data',
  }) as AppConfig;
  const app = await createHttpApp(StandaloneModule.with(config), config);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `${config.tls.certFile ? 'https' : 'http'}://127.0.0.1:${port}`;
  const tokens = new Map<string, string>();
  return {
    url,
    app,
    config,
    db,
    async machineToken(name = 'test-machine') {
      if (!tokens.has(name)) {
        await app.get(MachinesService).add(name, 'test-password', { validated: true, force: true });
        const res = await fetch(`${url}/v1/watchers/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ machine_id: name, password: 'test-password' }),
        });
        if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
        tokens.set(name, ((await res.json()) as { token: string }).token);
      }
      return tokens.get(name)!;
    },
    bouncerKey(name = `bouncer-${++counter}`) {
      return app.get(BouncersService).add(name);
    },
    async close() {
      await app.close();
      await db?.drop();
    },
  };
}

/** fetch against the test LAPI, returning status and parsed JSON (or text). */
export async function call(
  lapi: TestLapi,
  method: string,
  path: string,
  opts: { token?: string; apiKey?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  let body: string | Buffer | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  if (opts.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${lapi.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // left as text: asserted on by the caller
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
