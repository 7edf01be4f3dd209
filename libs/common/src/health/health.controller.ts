import { Controller, Res } from '@nestjs/common';
import { NO_BODY, Route } from '../routes/route-table';
import { HealthRegistry } from './health-registry';

interface StatusReply {
  status(code: number): { send(body: unknown): unknown };
}

/** Upstream's /health: the edge sends it to a decisions replica, so the decisions service (and standalone) serve it. */
@Controller()
export class UpstreamHealthController {
  @Route({ method: 'GET', path: '/health', auth: 'public', bodyLimit: NO_BODY, service: 'decisions' })
  health() {
    return { status: 'up' };
  }
}

/** Liveness and readiness probes for orchestrators and the edge. */
@Controller()
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  /** Probes: each service answers for itself; the edge does not route them. */
  @Route({ method: 'GET', path: '/health/live', auth: 'public', bodyLimit: NO_BODY, service: null })
  live() {
    return { status: 'up' };
  }

  @Route({ method: 'GET', path: '/health/ready', auth: 'public', bodyLimit: NO_BODY, service: null })
  async ready(@Res() reply: StatusReply) {
    const { ready, checks } = await this.registry.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  }
}
