import type { PGlite } from '@electric-sql/pglite';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFromTemplate, holdsDatabase } from './data-dir-template';
import { engineSettings, openEngine } from './pglite-engine';

// PGlite's initdb alone takes seconds on a loaded 2-core machine.
jest.setTimeout(120_000);

describe('the embedded database template', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'lapi-template-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function withEngine<T>(pgDir: string, cacheBytes: number | undefined, use: (db: PGlite) => Promise<T>): Promise<T> {
    const db = await openEngine(pgDir, { cacheBytes });
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  }

  it('opens with the installed PGlite as the database its own initdb makes (run npm run db:template after upgrading PGlite)', async () => {
    const describeDb = async (db: PGlite) => ({
      server: (await db.query('SHOW server_version')).rows,
      catalog: (await db.query('SELECT catalog_version_no FROM pg_control_system()')).rows,
      databases: (await db.query(`SELECT datname, pg_encoding_to_char(encoding) AS encoding, datcollate, datctype, datlocprovider FROM pg_database ORDER BY datname`)).rows,
      roles: (await db.query('SELECT rolname, rolsuper FROM pg_roles ORDER BY rolname')).rows,
    });
    const pgDir = join(root, 'pg');
    expect(await createFromTemplate(pgDir)).toBe(true);
    const fromTemplate = await withEngine(pgDir, undefined, describeDb);
    const { PGlite } = await import('@electric-sql/pglite');
    const initdb = await PGlite.create({ dataDir: join(root, 'initdb') });
    try {
      expect(fromTemplate).toEqual(await describeDb(initdb));
    } finally {
      await initdb.close();
    }
  });

  it('unpacks readable by the owner only, as Postgres keeps its files', async () => {
    const pgDir = join(root, 'pg');
    await createFromTemplate(pgDir);
    expect(statSync(pgDir).mode & 0o777).toBe(0o700);
    const versionFile = statSync(join(pgDir, 'PG_VERSION'));
    expect(versionFile.mode & 0o777).toBe(0o600);
  });

  it('replaces what a start killed while unpacking left, and never touches a database that exists', async () => {
    const pgDir = join(root, 'pg');
    mkdirSync(`${pgDir}.creating`, { recursive: true });
    writeFileSync(`${pgDir}.creating/half-written`, 'x');
    expect(holdsDatabase(pgDir)).toBe(false);
    expect(await createFromTemplate(pgDir)).toBe(true);
    expect(readdirSync(root)).toEqual(['pg']);
    writeFileSync(join(pgDir, 'mine'), 'kept');
    expect(await createFromTemplate(pgDir)).toBe(false);
    expect(readdirSync(pgDir)).toContain('mine');
  });

  it('runs Postgres with the page cache LAPI_DB_CACHE sets, 8 MB by default', async () => {
    const pgDir = join(root, 'pg');
    const shown = (cache?: number) => withEngine(pgDir, cache, async (db) => (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers);
    expect(await shown()).toBe('8MB');
    expect(await shown(32 << 20)).toBe('32MB');
    expect(engineSettings({ cacheBytes: 2 << 20 }).shared_buffers).toBe('2048kB');
  });

  it('makes new WAL segments without writing them full of zeros (PGlite copies such writes into JavaScript memory)', async () => {
    const pgDir = join(root, 'pg');
    expect(await withEngine(pgDir, undefined, async (db) => (await db.query<{ wal_init_zero: string }>('SHOW wal_init_zero')).rows[0].wal_init_zero)).toBe('off');
  });
});
