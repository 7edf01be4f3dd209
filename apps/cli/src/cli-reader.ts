import { AppConfig, loadConfig } from '@lapi/config/light';
import { isSchemaBehind, openReadConnection, SqlRunner } from '@lapi/db/light';
import { checkEmbeddedDatabase, checkPostgresSchema } from './database-check';

/** What a read-only command is given: a connection to read with, and the configuration. */
export interface CliReader {
  db: SqlRunner;
  config: AppConfig;
}

/**
 * Runs a read-only command on one plain connection when there is a database to join (Postgres,
 * or a LAPI serving the embedded files), which loads neither Nest nor TypeORM: a list answers in
 * a fraction of the whole app's start. Otherwise (no LAPI running on the embedded files, or a
 * schema older than this lapictl) it runs inside the whole app, which opens and migrates the
 * database. A database without lapi-cluster's tables is refused, never set up.
 */
export async function withReader(fn: (reader: CliReader) => Promise<void>): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) checkEmbeddedDatabase(config.dataDir);
  const light = await openReadConnection({ url: config.databaseUrl, dataDir: config.dataDir, timeoutMs: config.dbTimeoutMs });
  if (light) {
    try {
      if (config.databaseUrl) await checkPostgresSchema(light.db, config.databaseUrl);
      return await fn({ db: light.db, config });
    } catch (e) {
      if (!isSchemaBehind(e)) throw e;
    } finally {
      await light.close();
    }
  }
  const [{ openCliApp }, { DataSource }] = await Promise.all([import('./cli-app'), import('typeorm')]);
  const app = await openCliApp({ bus: false });
  try {
    await fn({ db: app.get(DataSource), config });
  } finally {
    await app.close();
  }
}
