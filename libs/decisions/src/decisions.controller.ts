import { Controller, Get, Query, Req } from '@nestjs/common';
import { BouncerAuth, LapiRequest } from '@lapi/common';
import { readDecisionsQuery, readStreamQuery } from './decision-queries';
import { DecisionsService } from './decisions.service';

/** /v1/decisions for bouncers (X-Api-Key): lookups and the stream. Fastify answers HEAD from the GET routes. */
@Controller('v1/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService) {}

  @BouncerAuth()
  @Get()
  find(@Query() query: Record<string, unknown>) {
    const { filter, dedup } = readDecisionsQuery(query);
    return this.decisions.find(filter, dedup);
  }


  @BouncerAuth()
  @Get('stream')
  stream(@Query() query: Record<string, unknown>, @Req() req: LapiRequest) {
    const { startup, filter, dedup } = readStreamQuery(query);
    return this.decisions.stream(req.bouncer!, startup, filter, dedup);
  }
}
