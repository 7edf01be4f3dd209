// Remakes the embedded database's template (libs/db/assets/pglite-data-dir.tar.gz) with the
// installed PGlite's own initdb: run it after upgrading @electric-sql/pglite.
//   npm run db:template
// libs/db/src/embedded/data-dir-template.int.spec.ts fails while the shipped template does not
// open with the installed PGlite.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTemplate, TEMPLATE_FILE } from '@lapi/db';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-template-'));
  try {
    const db = await PGlite.create({ dataDir: dir });
    const [{ version }] = (await db.query<{ version: string }>('SELECT version()')).rows;
    await db.close();
    await packTemplate(dir);
    console.log(`${TEMPLATE_FILE}: ${statSync(TEMPLATE_FILE).size} bytes, ${version}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
