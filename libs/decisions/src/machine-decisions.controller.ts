import { Controller, Delete, Param, Query } from '@nestjs/common';
import { MachineAuth, badRequest } from '@lapi/common';
import { readDeleteDecisionsQuery } from './decision-queries';
import { DecisionWriter } from './decision-writer';

/** /v1/decisions for machines (JWT): deletions, as cscli decisions delete sends them. */
@Controller('v1/decisions')
@MachineAuth()
export class MachineDecisionsController {
  constructor(private readonly decisions: DecisionWriter) {}

  @Delete()
  async deleteByFilter(@Query() query: Record<string, unknown>) {
    const n = await this.decisions.deleteByFilter(readDeleteDecisionsQuery(query));
    return { nbDeleted: String(n) };
  }

  @Delete(':id')
  async deleteById(@Param('id') id: string) {
    if (!/^\d{1,15}$/.test(id)) throw badRequest(`decision id '${id}' is not a number`);
    return { nbDeleted: String(await this.decisions.deleteById(Number(id))) };
  }
}
