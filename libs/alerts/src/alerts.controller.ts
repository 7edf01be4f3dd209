import { Body, Controller, HttpCode, Param, Query, Req } from '@nestjs/common';
import { LapiRequest, NO_BODY, Route, badRequest, schemaValidation } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { readAlertsQuery, readDeleteAlertsQuery } from './alert-queries';
import { toAlertView } from './alert-view';
import { AlertsService } from './alerts.service';
import { ALERTS_BODY_SCHEMA, AlertDto } from './dto/alert.dto';

/** Free text in an alert (what agents copy from logs): a NUL there is replaced, not refused. */
const FREE_TEXT = /^\d+\.(message|source\.as_name|events\.\d+\.meta\.\d+\.value|meta\.\d+\.value)$/;
const alertsBody = schemaValidation<AlertDto[]>(ALERTS_BODY_SCHEMA, (message) => badRequest(`invalid alerts: ${message}`), (path) => FREE_TEXT.test(path));

function alertId(id: string): string {
  if (!/^\d{1,18}$/.test(id)) throw badRequest(`alert id '${id}' is not a number`);
  return id;
}

/** /v1/alerts: machines (agents, cscli) push, search and delete alerts. */
@Controller()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly config: AppConfig,
  ) {}

  /** Agents push here; `cscli decisions import` sends many decisions in one alert. */
  @Route({ method: 'POST', path: '/v1/alerts', auth: 'machine', bodyLimit: 'LAPI_MAX_BODY_BYTES', service: 'ingest' })
  @HttpCode(201)
  create(@Body(alertsBody) body: AlertDto[], @Req() req: LapiRequest): Promise<string[]> {
    return this.alerts.create(req.machine!, body);
  }

  @Route({ method: 'GET', path: '/v1/alerts', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  async search(@Query() query: Record<string, unknown>) {
    const found = await this.alerts.search(readAlertsQuery(query, this.config.maxAlertsLimit));
    const now = Date.now();
    // Upstream answers null, not [], when nothing matches (cscli prints it as is).
    return found.length ? found.map((a) => toAlertView(a, now)) : null;
  }

  /** Lifts every ban it matches: only from LAPI_TRUSTED_IPS, as upstream. */
  @Route({ method: 'DELETE', path: '/v1/alerts', auth: 'machine', bodyLimit: NO_BODY, from: 'LAPI_TRUSTED_IPS', service: 'ingest' })
  async deleteByFilter(@Query() query: Record<string, unknown>) {
    return { nbDeleted: String(await this.alerts.deleteByFilter(readDeleteAlertsQuery(query))) };
  }

  @Route({ method: 'GET', path: '/v1/alerts/:id', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  async get(@Param('id') id: string) {
    return toAlertView(await this.alerts.get(alertId(id)));
  }

  @Route({ method: 'DELETE', path: '/v1/alerts/:id', auth: 'machine', bodyLimit: NO_BODY, from: 'LAPI_TRUSTED_IPS', service: 'ingest' })
  async deleteById(@Param('id') id: string) {
    return { nbDeleted: String(await this.alerts.deleteById(alertId(id))) };
  }
}
