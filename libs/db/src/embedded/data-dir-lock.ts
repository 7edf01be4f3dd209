import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

/** Who has the embedded database's files open: the LAPI (which serves them to others) or a lapictl run alone. */
export type DataDirRole = 'lapi' | 'lapictl';

export interface DataDirHolder {
  pid: number;
  role: DataDirRole;
}

const LOCK_NAME = 'lapi.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function justWritten(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 2000;
  } catch {
    return false;
  }
}

function readHolder(path: string): DataDirHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as DataDirHolder;
    return Number.isSafeInteger(h.pid) && (h.role === 'lapi' || h.role === 'lapictl') ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PGlite has no lock of its own: two processes opening the same files would corrupt them. Like
 * postmaster.pid, a file naming the holding process keeps every other out; one left by a process
 * that died is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  /** Takes the lock, or returns who holds it. */
  static tryAcquire(dir: string, role: DataDirRole): DataDirLock | DataDirHolder {
    const path = `${dir}/${LOCK_NAME}`;
    for (;;) {
      try {
        writeFileSync(path, JSON.stringify({ pid: process.pid, role } satisfies DataDirHolder), { flag: 'wx', mode: 0o600 });
        return new DataDirLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(path);
      if (holder && (holder.pid === process.pid || alive(holder.pid))) return holder;
      // A file still being written by a process that just took the lock is not a dead holder's.
      if (!holder && justWritten(path)) return { pid: 0, role: 'lapictl' };
      rmSync(path, { force: true });
    }
  }

  release(): void {
    if (readHolder(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
