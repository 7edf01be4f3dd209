import { Client } from 'pg';
import { embeddedBounds, postgresBounds } from '../connection-bounds';
import { canConnect, sharedSocket } from '../embedded/shared-socket';
import { pgRunner, SqlRunner } from './sql-runner';

export interface ReadConnection {
  db: SqlRunner;
  close(): Promise<void>;
}

/**
 * One plain `pg` connection for reads, without TypeORM or migrations: to Postgres, or to the
 * embedded database a running LAPI serves. Undefined when there is none to join (no URL and no
 * LAPI serving `dataDir`): opening the embedded files is the whole database layer's job.
 */
export async function openReadConnection(options: { url?: string; dataDir: string; timeoutMs: number }): Promise<ReadConnection | undefined> {
  const target = options.url
    ? { connectionString: options.url, ...postgresBounds(options.timeoutMs) }
    : await runningEmbedded(options.dataDir, options.timeoutMs);
  if (!target) return undefined;
  const client = new Client(target);
  await client.connect();
  return { db: pgRunner(client), close: () => client.end() };
}

async function runningEmbedded(dataDir: string, timeoutMs: number) {
  const socket = sharedSocket(dataDir);
  if (!(await canConnect(socket.path))) return undefined;
  return { host: socket.host, port: socket.port, user: 'postgres', database: 'postgres', ...embeddedBounds(timeoutMs) };
}

/** A schema older than this code (tables or columns missing): the full database layer migrates it. */
export function isSchemaBehind(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '42703';
}
