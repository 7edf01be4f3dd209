import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './cli-error';

/** The embedded database's files and the running LAPI's socket, as libs/db lays them out. */
const EMBEDDED_FILES = 'pg';
const EMBEDDED_SOCKET = '.s.PGSQL.5432';

/**
 * lapictl never creates a database: only the LAPI (npm start) or the services do, and run their
 * migrations. Opening a data directory that holds none would make an empty one and answer
 * "No entries." — a mistyped LAPI_DATA_DIR or a run from another directory must fail instead.
 */
export function checkEmbeddedDatabase(dataDir: string): void {
  const dir = resolve(dataDir);
  if (existsSync(join(dir, EMBEDDED_FILES)) || existsSync(join(dir, EMBEDDED_SOCKET))) return;
  throw new CliError(
    `no lapi-cluster database in ${dir} (looked for ${join(dir, EMBEDDED_FILES)} and a running LAPI's socket ${join(dir, EMBEDDED_SOCKET)}); ` +
      'run lapictl from the directory where the LAPI runs, set LAPI_DATA_DIR to its data directory, or set DATABASE_URL',
  );
}
