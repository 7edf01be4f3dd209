import { Global, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HealthRegistry } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DataSource } from 'typeorm';
import { Database, openDatabase } from './data-source';
import { AllowlistsRepository, AlertsRepository, BouncersRepository, CertificatesRepository, DecisionCountsRepository, DecisionsRepository, FleetCleanupRepository, LoginAttemptsRepository, MachinesRepository, NotificationDeliveriesRepository, SettingsRepository, UsageMetricsRepository } from './repositories';

export const DATABASE = Symbol('DATABASE');

const HEALTH_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const REPOSITORIES = [AllowlistsRepository, AlertsRepository, BouncersRepository, CertificatesRepository, DecisionCountsRepository, DecisionsRepository, FleetCleanupRepository, LoginAttemptsRepository, MachinesRepository, NotificationDeliveriesRepository, SettingsRepository, UsageMetricsRepository];

/** Opens Postgres (or the embedded database), applies migrations, and provides the repositories. */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<Database> => {
        const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, role: config.embeddedRole, timeoutMs: config.dbTimeoutMs, cacheBytes: config.dbCacheBytes });
        await db.migrate();
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
    // A database that does not answer within the bound is as good as down for readiness.
    health?.register('database', () => withTimeout(db.dataSource.query('SELECT 1'), HEALTH_TIMEOUT_MS).then(() => true));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
