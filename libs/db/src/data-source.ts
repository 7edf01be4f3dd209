import { DataSource, DataSourceOptions } from 'typeorm';
import { DEFAULT_TIMEOUT_MS, embeddedBounds, postgresBounds } from './connection-bounds';
import { DataDirRole } from './embedded/data-dir-lock';
import { openEmbedded } from './embedded/embedded-database';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseOptions {
  /** Postgres URL; undefined means the embedded database in `dataDir`. */
  url?: string;
  dataDir: string;
  /** For the embedded database: the LAPI owns it, lapictl joins (see openEmbedded). */
  role?: DataDirRole;
  /**
   * Bound on every wait for the database: a statement, a lock, a free connection, the embedded
   * session; a transaction left idle longer is ended. A request that hits it gets a 503.
   */
  timeoutMs?: number;
  poolSize?: number;
  /** The embedded database's page cache, in bytes (LAPI_DB_CACHE). */
  cacheBytes?: number;
}

/** An open database: the TypeORM DataSource plus whatever must be stopped with it. */
export interface Database {
  dataSource: DataSource;
  /** Where it is: the URL, or the embedded data directory. */
  describe: string;
  /** Applies pending migrations on a connection of their own, without the request time bounds. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const COMMON = {
  type: 'postgres' as const,
  entities: ENTITIES,
  migrations: MIGRATIONS,
  synchronize: false,
  migrationsRun: false,
  logging: false,
};

async function withMigrationSource(options: DataSourceOptions): Promise<void> {
  // Two connections: one holds the advisory lock while the migrations run on the other.
  const ds = new DataSource({ ...options, extra: { max: 2 } } as DataSourceOptions);
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (options.url) {
    const target = { ...COMMON, url: options.url };
    const dataSource = new DataSource({ ...target, extra: { max: options.poolSize ?? 10, ...postgresBounds(timeoutMs) } });
    await dataSource.initialize();
    return { dataSource, describe: redactUrl(options.url), migrate: () => withMigrationSource(target), close: () => dataSource.destroy() };
  }
  const embedded = await openEmbedded({ dataDir: options.dataDir, role: options.role ?? 'lapi', timeoutMs, cacheBytes: options.cacheBytes });
  const target = { ...COMMON, host: embedded.host, port: embedded.port, username: 'postgres', database: 'postgres' };
  // The session server runs one unit of work at a time and bounds the wait; the pool only needs
  // enough connections that requests queue there, first come first served, and not in the pool.
  const dataSource = new DataSource({ ...target, extra: { max: options.poolSize ?? 10, ...embeddedBounds(timeoutMs) } });
  try {
    await dataSource.initialize();
  } catch (e) {
    await embedded.stop();
    throw e;
  }
  return {
    dataSource,
    describe: embedded.describe,
    migrate: () => withMigrationSource(target),
    async close() {
      await dataSource.destroy();
      await embedded.stop();
    },
  };
}

/** Applies pending migrations, one node at a time (an advisory lock serialises concurrent starts). */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(727001)');
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727001)').catch(() => undefined);
    await runner.release();
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
