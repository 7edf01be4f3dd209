import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hasLapiSchema, pgRunner, sharedSocket, SqlRunner } from '@lapi/db/light';
import { Client } from 'pg';
import { CliError } from './cli-error';

/** The embedded database's files, as libs/db lays them out. */
const EMBEDDED_FILES = 'pg';

// lapictl never creates a database: only the LAPI (npm start) or the services do, and run their
// migrations. Opening a place that holds none would make an empty one and answer "No entries." —
// a mistyped LAPI_DATA_DIR or DATABASE_URL, or a run from another directory, must fail instead.

export function checkEmbeddedDatabase(dataDir: string): void {
  const dir = resolve(dataDir);
  const socket = sharedSocket(dir).path;
  if (existsSync(join(dir, EMBEDDED_FILES)) || existsSync(socket)) return;
  throw new CliError(
    `no lapi-cluster database in ${dir} (looked for ${join(dir, EMBEDDED_FILES)} and a running LAPI's socket ${socket}); ` +
      'run lapictl from the directory where the LAPI runs, set LAPI_DATA_DIR to its data directory, or set DATABASE_URL',
  );
}

/** Refuses a Postgres database without lapi-cluster's tables, on a connection already open. */
export async function checkPostgresSchema(db: SqlRunner, url: string): Promise<void> {
  if (await hasLapiSchema(db)) return;
  const u = new URL(url);
  throw new CliError(
    `no lapi-cluster tables in database '${decodeURIComponent(u.pathname.slice(1)) || u.username}' on ${u.host} (DATABASE_URL); ` +
      'start the LAPI or a service on it first, which creates them, or correct DATABASE_URL',
  );
}

/** The same, on a connection of its own (before the whole app opens the database). */
export async function checkPostgresDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await checkPostgresSchema(pgRunner(client), url);
  } finally {
    await client.end();
  }
}
