import { Global, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HealthRegistry } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DataSource } from 'typeorm';
import { Database, openDatabase, runMigrations } from './data-source';
import { AlertsRepository, BouncersRepository, CertificatesRepository, DecisionsRepository, MachinesRepository, SettingsRepository } from './repositories';

export const DATABASE = Symbol('DATABASE');

const REPOSITORIES = [AlertsRepository, BouncersRepository, CertificatesRepository, DecisionsRepository, MachinesRepository, SettingsRepository];

/** Opens Postgres (or the embedded database), applies migrations, and provides the repositories. */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<Database> => {
        const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
        await runMigrations(db.dataSource);
        new Logger('Database').log(`using ${db.describe}`);
        return db;
      },
    },
    { provide: DataSource, inject: [DATABASE], useFactory: (db: Database) => db.dataSource },
    ...REPOSITORIES,
  ],
  exports: [DATABASE, DataSource, ...REPOSITORIES],
})
export class DbModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Optional() health?: HealthRegistry,
  ) {
    health?.register('database', () => db.dataSource.query('SELECT 1').then(() => true));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
