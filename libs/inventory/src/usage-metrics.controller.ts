import { Body, Controller, HttpCode, Req } from '@nestjs/common';
import { KiB, LapiRequest, Route, schemaValidation, unprocessable } from '@lapi/common';
import { AllMetricsDto, USAGE_METRICS_SCHEMA } from './dto/usage-metrics.dto';
import { UsageMetricsService } from './usage-metrics.service';

/** A schema failure is upstream's 422 ("validation failure"); a body that is not JSON stays the parser's 400. */
const usageMetricsBody = schemaValidation<AllMetricsDto>(USAGE_METRICS_SCHEMA, (message) => unprocessable(`invalid usage metrics: ${message}`));

/** /v1/usage-metrics: 1.6+ agents and bouncers report what they run and what they did. */
@Controller()
export class UsageMetricsController {
  constructor(private readonly usageMetrics: UsageMetricsService) {}

  /** An agent's hub state lists its installed items: a few hundred, each a few dozen bytes. */
  @Route({ method: 'POST', path: '/v1/usage-metrics', auth: 'machine-or-bouncer', bodyLimit: 1024 * KiB, service: 'ingest' })
  @HttpCode(201)
  async create(@Body(usageMetricsBody) body: AllMetricsDto, @Req() req: LapiRequest): Promise<void> {
    await this.usageMetrics.record({ machine: req.machine, bouncer: req.bouncer }, body);
  }
}
