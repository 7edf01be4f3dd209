import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseOptions {
  /** Postgres URL; undefined means the embedded database in `dataDir`. */
  url?: string;
  dataDir: string;
  poolSize?: number;
}

/** An open database: the TypeORM DataSource plus whatever must be stopped with it. */
export interface Database {
  dataSource: DataSource;
  /** Where it is: the URL, or the embedded data directory. */
  describe: string;
  close(): Promise<void>;
}

const SOCKET_NAME = '.s.PGSQL.5432';

function canConnect(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/**
 * The embedded database is PGlite served on a Unix socket in the data directory, reached with the
 * same `pg` driver as a real Postgres. A second process (lapictl while the LAPI runs) connects to
 * that socket instead of opening the files a second time; the server multiplexes connections and
 * keeps each transaction on its own connection.
 */
async function embeddedServer(dataDir: string): Promise<{ host: string; stop(): Promise<void> }> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const socket = `${dir}/${SOCKET_NAME}`;
  if (existsSync(socket)) {
    if (await canConnect(socket)) return { host: dir, stop: async () => undefined };
    rmSync(socket);
  }
  const db = await PGlite.create({ dataDir: `${dir}/pg` });
  const server = new PGLiteSocketServer({ db, path: socket, maxConnections: 32 });
  await server.start();
  return {
    host: dir,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socket, { force: true });
    },
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  };
  if (options.url) {
    const dataSource = new DataSource({ ...common, url: options.url, extra: { max: options.poolSize ?? 10 } });
    await dataSource.initialize();
    return { dataSource, describe: redactUrl(options.url), close: () => dataSource.destroy() };
  }
  const server = await embeddedServer(options.dataDir);
  const dataSource = new DataSource({
    ...common,
    host: server.host,
    port: 5432,
    username: 'postgres',
    database: 'postgres',
    extra: { max: options.poolSize ?? 4 },
  });
  await dataSource.initialize();
  return {
    dataSource,
    describe: `embedded database in ${resolve(options.dataDir)}`,
    async close() {
      await dataSource.destroy();
      await server.stop();
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
