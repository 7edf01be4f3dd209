import { Controller, Param, Query, Req, Res } from '@nestjs/common';
import { NO_BODY, Route } from '@lapi/common';
import { AllowlistsService } from './allowlists.service';

interface MethodOf {
  method: string;
}
interface StatusReply {
  status(code: number): unknown;
}

/** Upstream's allowlist routes for agents (machine JWT), under /v1/allowlists. */
@Controller()
export class AllowlistsController {
  constructor(private readonly allowlists: AllowlistsService) {}

  @Route({ method: 'GET', path: '/v1/allowlists', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  list(@Query('with_content') withContent?: string) {
    return this.allowlists.list(withContent === 'true');
  }

  @Route({ method: 'GET', path: '/v1/allowlists/check/:ip_or_range', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  async check(@Param('ip_or_range') value: string, @Req() req: MethodOf, @Res({ passthrough: true }) reply: StatusReply) {
    const { allowlisted, reason } = await this.allowlists.check(value);
    // HEAD answers with the status alone, as upstream: 200 allowlisted, 204 not.
    if (req.method === 'HEAD') reply.status(allowlisted ? 200 : 204);
    // Go's omitempty: a value not allowlisted answers {}.
    return allowlisted ? { allowlisted, reason } : {};
  }

  @Route({ method: 'GET', path: '/v1/allowlists/:allowlist_name', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  get(@Param('allowlist_name') name: string, @Query('with_content') withContent?: string) {
    return this.allowlists.get(name, withContent === 'true');
  }
}
