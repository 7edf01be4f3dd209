import { INestApplicationContext } from '@nestjs/common';
import { AlertsService, readDeleteAlertsQuery, RetentionService } from '@lapi/alerts';
import { DomainError, ErrorCode, parseDuration } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { CliError } from '../cli-error';
import { logInfo } from '../output';
import type { AlertDeleteOptions } from './alerts.options';
import { filterQuery, readFilter } from './alerts.reads';

function notFoundAs(e: unknown, message: string): never {
  if (e instanceof DomainError && e.code === ErrorCode.NotFound) throw new CliError(message);
  throw e;
}

export async function deleteAlerts(app: INestApplicationContext, o: AlertDeleteOptions): Promise<void> {
  const service = app.get(AlertsService);
  let n: number;
  if (o.id) {
    n = await service.deleteById(o.id).catch((e) => notFoundAs(e, `alert ${o.id} not found`));
  } else {
    const query = filterQuery(o);
    if (Object.keys(query).filter((k) => k !== 'contains').length === 0 && !o.all) throw new CliError('give a filter, or --all to delete every alert');
    n = await service.deleteByFilter(readFilter(() => readDeleteAlertsQuery(query)));
  }
  logInfo(`${n} alert(s) deleted`);
}

export async function flushAlerts(app: INestApplicationContext, o: { maxItems: number; maxAge: string }): Promise<void> {
  const maxAgeMs = parseDuration(o.maxAge);
  if (maxAgeMs === undefined || maxAgeMs <= 0) throw new CliError(`--max-age: '${o.maxAge}' is not a duration (e.g. 7d, 12h)`);
  // The retention reads its limits from the configuration; this run's flags replace them.
  Object.assign(app.get(AppConfig), { flushMaxItems: o.maxItems, flushMaxAgeMs: maxAgeMs });
  const { alerts, decisions } = await app.get(RetentionService).flush();
  logInfo(`${alerts} alert(s) and ${decisions} ended decision(s) flushed`);
}
