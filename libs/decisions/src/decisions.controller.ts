import { Controller, Delete, Get, Param, Query, Req } from '@nestjs/common';
import { BouncerAuth, LapiRequest, MachineAuth, badRequest } from '@lapi/common';
import { readDecisionsQuery, readDeleteDecisionsQuery, readStreamQuery } from './decision-queries';
import { DecisionsService } from './decisions.service';

/** /v1/decisions: bouncers read (X-Api-Key; Fastify answers HEAD from the GET routes), machines delete (JWT). */
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


  @MachineAuth()
  @Delete()
  async deleteByFilter(@Query() query: Record<string, unknown>) {
    const n = await this.decisions.deleteByFilter(readDeleteDecisionsQuery(query));
    return { nbDeleted: String(n) };
  }

  @MachineAuth()
  @Delete(':id')
  async deleteById(@Param('id') id: string) {
    if (!/^\d{1,15}$/.test(id)) throw badRequest(`decision id '${id}' is not a number`);
    return { nbDeleted: String(await this.decisions.deleteById(Number(id))) };
  }
}
