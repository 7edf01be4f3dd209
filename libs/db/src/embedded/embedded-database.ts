import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataDirLock, DataDirRole } from './data-dir-lock';
import { holdsDatabase } from './data-dir-template';
import { EngineOptions, openEngine, rawSession } from './pglite-engine';
import { SessionServer } from './session-server';
import { canConnect, SHARED_PORT, sharedSocket } from './shared-socket';

export interface EmbeddedOptions extends EngineOptions {
  dataDir: string;
  /** The LAPI owns the files and serves them; lapictl joins a running LAPI, or opens them alone. */
  role: DataDirRole;
  /** Bound on every wait for the session. */
  timeoutMs: number;
  /** How long a connection may keep the session without a word before it is closed; twice the wait by default, so waiters hear "busy" before an owner is cut off. */
  idleTimeoutMs?: number;
}

/** Where the `pg` driver reaches the embedded database: `${host}/.s.PGSQL.${port}`. */
export interface EmbeddedEndpoint {
  host: string;
  port: number;
  describe: string;
  stop(): Promise<void>;
}

/** How long a process waits for another to let go of the files (a lapictl run, a LAPI stopping). */
const LOCK_WAIT_MS = 30_000;

/** Whether a directory holds an embedded database (lapictl must not create one by mistake). */
export function hasEmbeddedDatabase(dataDir: string): boolean {
  return holdsDatabase(`${resolve(dataDir)}/pg`);
}

/**
 * Opens the embedded database. The LAPI takes the data directory's lock, runs PGlite in its own
 * process and serves it on a socket there. lapictl uses that socket while a LAPI runs; otherwise
 * it takes the lock itself and serves PGlite on a private socket, so no other process ever
 * depends on a short-lived lapictl.
 */
export async function openEmbedded(options: EmbeddedOptions): Promise<EmbeddedEndpoint> {
  const dir = resolve(options.dataDir);
  const shared = sharedSocket(dir).path;
  if (options.role === 'lapictl' && !hasEmbeddedDatabase(dir) && !(await canConnect(shared))) {
    throw new Error(`no embedded database in ${dir}: start the LAPI there first (npm start), or set LAPI_DATA_DIR or DATABASE_URL`);
  }
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (options.role === 'lapictl' && (await canConnect(shared))) {
      return { host: dir, port: SHARED_PORT, describe: `embedded database served by the LAPI in ${dir}`, stop: async () => undefined };
    }
    const got = DataDirLock.tryAcquire(dir, options.role);
    if (got instanceof DataDirLock) return serve(dir, got, options);
    if (options.role === 'lapi' && got.role === 'lapi' && got.pid !== 0) {
      throw new Error(`the embedded database in ${dir} is already used by a running LAPI (pid ${got.pid})`);
    }
    if (Date.now() > deadline) throw new Error(`the embedded database in ${dir} is held by process ${got.pid} (${got.role}); gave up after ${LOCK_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function serve(dir: string, lock: DataDirLock, options: EmbeddedOptions): Promise<EmbeddedEndpoint> {
  try {
    const db = await openEngine(`${dir}/pg`, options);
    const port = options.role === 'lapi' ? SHARED_PORT : 20_000 + (process.pid % 40_000);
    const path = `${dir}/.s.PGSQL.${port}`;
    rmSync(path, { force: true });
    const server = new SessionServer(rawSession(db), { path, waitTimeoutMs: options.timeoutMs, idleInTransactionTimeoutMs: options.idleTimeoutMs ?? 2 * options.timeoutMs });
    await server.listen();
    return {
      host: dir,
      port,
      describe: `embedded database in ${dir}`,
      async stop() {
        await server.close();
        await db.close();
        rmSync(path, { force: true });
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}
