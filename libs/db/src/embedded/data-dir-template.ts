import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A new embedded database is this archive unpacked: the data directory PGlite's initdb makes, made
 * once with `npm run db:template` and shipped. PGlite runs initdb inside its WebAssembly memory,
 * which peaked at 650 to 900 MB and kept most of it; unpacking takes a few MB and under a second.
 * The template holds no table of ours: migrations run on it as on any database.
 */
export const TEMPLATE_FILE = join(repositoryRoot(), 'libs/db/assets/pglite-data-dir.tar.gz');

/** From the sources or from dist/: the first directory up that holds package.json. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Whether `pgDir` holds a database (PGlite's initdb writes PG_VERSION first, the template holds it). */
export function holdsDatabase(pgDir: string): boolean {
  return existsSync(join(pgDir, 'PG_VERSION'));
}

/**
 * Makes `pgDir` from the template unless it holds a database. Unpacked beside it and renamed
 * into place, so a start killed half-way leaves no half database behind. False when there is
 * no template to unpack (PGlite's initdb then makes the database).
 */
export async function createFromTemplate(pgDir: string, template = TEMPLATE_FILE): Promise<boolean> {
  if (holdsDatabase(pgDir) || !existsSync(template)) return false;
  const target = resolve(pgDir);
  const partial = `${target}.creating`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  // The system's tar, in a process of its own: unpacking in this one (node-tar, zlib) left about
  // 28 MB of freed buffers in the allocator's heap for the life of the LAPI. The archive's modes
  // are kept (owner only, see packTemplate); its owner is not.
  await run('tar', ['-xzf', template, '-C', partial, '--no-same-owner']);
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  return true;
}

/** Packs an initdb'd data directory as the template (npm run db:template). */
export async function packTemplate(pgDir: string, template = TEMPLATE_FILE): Promise<void> {
  mkdirSync(dirname(template), { recursive: true });
  // Owner only, as Postgres makes its own files: the database will hold password hashes and the JWT secret.
  ownerOnly(pgDir);
  await run('tar', ['-czf', template, '-C', pgDir, '--exclude=postmaster.pid', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '.'], { env: { ...process.env, GZIP: '-9' } });
}

function ownerOnly(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) ownerOnly(path);
    else chmodSync(path, 0o600);
  }
}
