import { Controller, Get, Res } from '@nestjs/common';
import { Public } from '../auth-kinds';
import { HealthRegistry } from './health-registry';

interface StatusReply {
  status(code: number): { send(body: unknown): unknown };
}

/** /health as upstream, plus liveness and readiness probes for orchestrators and the edge. */
@Controller('health')
@Public()
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get()
  health() {
    return { status: 'up' };
  }

  @Get('live')
  live() {
    return { status: 'up' };
  }

  @Get('ready')
  async ready(@Res() reply: StatusReply) {
    const { ready, checks } = await this.registry.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  }
}
