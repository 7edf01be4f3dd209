import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Where the integration tests find Postgres and NATS: DATABASE_URL / NATS_URL when set
 * (CI and this machine), otherwise containers started by testcontainers in global setup.
 */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set and no container was started: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test');
  return url;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** One template per checkout, so test runs of two checkouts on one Postgres do not drop each other's. */
export const TEMPLATE_DB = `lapi_test_template_${createHash('sha256').update(resolve(__dirname, '../../..')).digest('hex').slice(0, 8)}`;
