import { Controller, Param, Query } from '@nestjs/common';
import { NO_BODY, Route, badRequest } from '@lapi/common';
import { readDeleteDecisionsQuery } from './decision-queries';
import { DecisionWriter } from './decision-writer';

/** /v1/decisions for machines (JWT): deletions, as cscli decisions delete sends them. */
@Controller()
export class MachineDecisionsController {
  constructor(private readonly decisions: DecisionWriter) {}

  @Route({ method: 'DELETE', path: '/v1/decisions', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  async deleteByFilter(@Query() query: Record<string, unknown>) {
    const n = await this.decisions.deleteByFilter(readDeleteDecisionsQuery(query));
    return { nbDeleted: String(n) };
  }

  @Route({ method: 'DELETE', path: '/v1/decisions/:id', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  async deleteById(@Param('id') id: string) {
    if (!/^\d{1,15}$/.test(id)) throw badRequest(`decision id '${id}' is not a number`);
    return { nbDeleted: String(await this.decisions.deleteById(Number(id))) };
  }
}
