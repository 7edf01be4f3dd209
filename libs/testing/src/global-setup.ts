import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { resolve } from 'node:path';
import { TEMPLATE_DB, testDatabaseUrl, withDatabase } from './test-env';

// Global setup runs outside jest's module mapper: resolve the @lapi/* aliases here.
require('tsconfig-paths').register({ baseUrl: resolve(__dirname, '../../..'), paths: { '@lapi/*': ['libs/*/src', 'libs/*'] } });

async function startContainersIfNeeded(): Promise<void> {
  if (process.env.DATABASE_URL || process.env.TEST_DATABASE_URL) return;
  // Only reached where no server is configured: testcontainers needs a Docker engine.
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { GenericContainer } = await import('testcontainers');
  const pg = await new PostgreSqlContainer('postgres:15').start();
  process.env.DATABASE_URL = pg.getConnectionUri();
  const nats = await new GenericContainer('nats:2').withCommand(['-js']).withExposedPorts(4222).start();
  process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
}

/** Migrates a template database once per run; each spec file copies it (fast, isolated). */
export default async function globalSetup(): Promise<void> {
  await startContainersIfNeeded();
  const url = testDatabaseUrl();
  process.env.TEST_DATABASE_URL = url;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [TEMPLATE_DB]);
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const { ENTITIES, MIGRATIONS } = await import('@lapi/db');
  const ds = new DataSource({ type: 'postgres', url: withDatabase(url, TEMPLATE_DB), entities: ENTITIES, migrations: MIGRATIONS });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
}
