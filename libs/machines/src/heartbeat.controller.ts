import { Controller, HttpCode, Req } from '@nestjs/common';
import { LapiRequest, NO_BODY, Route } from '@lapi/common';
import { MachinesService } from './machines.service';

/** /v1/heartbeat: agents say they are alive every minute. */
@Controller()
export class HeartbeatController {
  constructor(private readonly machines: MachinesService) {}

  @Route({ method: 'GET', path: '/v1/heartbeat', auth: 'machine', bodyLimit: NO_BODY, service: 'ingest' })
  @HttpCode(200)
  async heartbeat(@Req() req: LapiRequest): Promise<void> {
    await this.machines.heartbeat(req.machine!.id);
  }
}
