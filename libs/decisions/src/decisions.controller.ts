import { Controller, Get, Logger, Query, Req, Res } from '@nestjs/common';
import { BouncerAuth, LapiRequest } from '@lapi/common';
import { readDecisionsQuery, readStreamQuery } from './decision-queries';
import { DecisionsService } from './decisions.service';

const JSON_TYPE = 'application/json; charset=utf-8';

interface JsonReply {
  header(name: string, value: string): unknown;
  /** Node's response: 'finish' once the whole reply is handed to the network. */
  raw: NodeJS.EventEmitter;
}

/** /v1/decisions for bouncers (X-Api-Key): lookups and the stream. Fastify answers HEAD from the GET routes. */
@Controller('v1/decisions')
export class DecisionsController {
  private readonly logger = new Logger('DecisionsStream');

  constructor(private readonly decisions: DecisionsService) {}

  @BouncerAuth()
  @Get()
  find(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: JsonReply) {
    const { filter, dedup } = readDecisionsQuery(query);
    reply.header('content-type', JSON_TYPE);
    return this.decisions.find(filter, dedup);
  }


  @BouncerAuth()
  @Get('stream')
  async stream(@Query() query: Record<string, unknown>, @Req() req: LapiRequest, @Res({ passthrough: true }) reply: JsonReply) {
    const { startup, filter, dedup } = readStreamQuery(query);
    const { body, delivered, failed } = await this.decisions.stream(req.bouncer!, startup, filter, dedup);
    const warn = (e: Error) => this.logger.warn(`stream delivery not recorded: ${e.message}`);
    let finished = false;
    reply.raw.once('finish', () => {
      finished = true;
      void delivered().catch(warn);
    });
    reply.raw.once('close', () => {
      if (!finished) void failed().catch(warn);
    });
    reply.header('content-type', JSON_TYPE);
    return body;
  }
}
