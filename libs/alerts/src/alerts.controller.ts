import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { LapiRequest, MachineAuth, badRequest, schemaValidation } from '@lapi/common';
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
@Controller('v1/alerts')
@MachineAuth()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body(alertsBody) body: AlertDto[], @Req() req: LapiRequest): Promise<string[]> {
    return this.alerts.create(req.machine!, body);
  }

  @Get()
  async search(@Query() query: Record<string, unknown>) {
    const found = await this.alerts.search(readAlertsQuery(query, this.config.maxAlertsLimit));
    const now = Date.now();
    // Upstream answers null, not [], when nothing matches (cscli prints it as is).
    return found.length ? found.map((a) => toAlertView(a, now)) : null;
  }


  @Delete()
  async deleteByFilter(@Query() query: Record<string, unknown>) {
    return { nbDeleted: String(await this.alerts.deleteByFilter(readDeleteAlertsQuery(query))) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toAlertView(await this.alerts.get(alertId(id)));
  }


  @Delete(':id')
  async deleteById(@Param('id') id: string) {
    return { nbDeleted: String(await this.alerts.deleteById(alertId(id))) };
  }
}
