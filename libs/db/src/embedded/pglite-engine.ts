import type { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { createFromTemplate } from './data-dir-template';
import type { ProtocolSession } from './session-server';

/** The embedded database's page cache (Postgres `shared_buffers`) unless LAPI_DB_CACHE says otherwise. */
export const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;

export interface EngineOptions {
  /** Postgres `shared_buffers`, in bytes; DEFAULT_CACHE_BYTES when unset. */
  cacheBytes?: number;
}

/**
 * Postgres settings on top of PGlite's own. PGlite runs in a WebAssembly memory that grows and never
 * shrinks, so whatever Postgres is allowed to hold once stays resident for good: every setting
 * that lets it take memory is kept as small as the LAPI's work allows. The page cache is the one
 * an operator sizes (LAPI_DB_CACHE); the rest only bound what a single statement may take.
 */
export function engineSettings(options: EngineOptions): Record<string, string> {
  return {
    shared_buffers: `${Math.floor((options.cacheBytes ?? DEFAULT_CACHE_BYTES) / 1024)}kB`,
    // PGlite serves one session: Postgres' per-connection arrays need not be sized for 100.
    max_connections: '4',
    // Sorts and hashes spill to files past these; the LAPI's statements are small and paged.
    work_mem: '2MB',
    maintenance_work_mem: '8MB',
    temp_buffers: '1MB',
    // A new WAL segment is otherwise filled with 16 MB of zeros, and PGlite's write of several
    // buffers at once (pwritev) copies each megabyte of them into a new JavaScript array first:
    // 16 MB more resident at every segment, every few seconds under ingestion (bench/NOTES.md).
    // Off, Postgres writes the segment's last byte only; WAL records are written and flushed alike.
    wal_init_zero: 'off',
  };
}

function startParams(options: EngineOptions, defaults: readonly string[]): string[] {
  return [...defaults, ...Object.entries(engineSettings(options)).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

let baselineOnly = false;

/**
 * V8 compiles WebAssembly once quickly (Liftoff) and again, optimised (TurboFan), for functions
 * it finds hot. Postgres' start-up alone makes thousands of them hot: the second compilation held
 * about 45 MB of code and compiler memory in a process that then mostly waits (measured on PGlite
 * 0.5). The baseline code is kept for the whole process: the LAPI's hot paths run in JavaScript
 * (the decision index), and what the database does per request is small.
 * Set before PGlite's module is compiled; it changes nothing for code compiled already.
 */
function compileBaselineOnly(): void {
  if (baselineOnly) return;
  setFlagsFromString('--liftoff-only');
  baselineOnly = true;
}

/**
 * Opens PGlite on `pgDir`. A directory without a database is made from the shipped template
 * (see data-dir-template.ts), not by PGlite's initdb, which holds about 700 MB while it runs.
 */
export async function openEngine(pgDir: string, options: EngineOptions): Promise<PGlite> {
  compileBaselineOnly();
  // Loaded here, not at the top: a process on Postgres never loads the engine at all.
  const { PGlite } = await import('@electric-sql/pglite');
  const open = () => PGlite.create({ dataDir: pgDir, startParams: startParams(options, PGlite.defaultStartParams) });
  if (!(await createFromTemplate(pgDir))) return open();
  try {
    return await open();
  } catch (e) {
    // A template from another PGlite (upgraded without `npm run db:template`; a spec guards the
    // shipped pair): the database is made by initdb instead, at its cost in memory.
    new Logger('Database').warn(`the shipped database template does not open with this PGlite (${(e as Error).message}); creating the database with initdb instead`);
    rmSync(pgDir, { recursive: true, force: true });
    return open();
  }
}

/**
 * The session server only relays bytes. PGlite's execProtocolRaw also parses every reply into
 * messages (for its own query API) and keeps them until the next call: 17% of the CPU of a start
 * with 100,000 decisions, and a second copy of every result. Its stream form hands the bytes over
 * unparsed; each chunk is a view of PGlite's memory, so it is copied before the next one.
 */
export function rawSession(db: PGlite): ProtocolSession {
  return {
    async execProtocolRaw(message) {
      const parts: Buffer[] = [];
      await db.execProtocolRawStream(message, { onRawData: (chunk) => void parts.push(Buffer.from(chunk)) });
      return parts.length === 1 ? parts[0] : Buffer.concat(parts);
    },
  };
}
