import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import { LapiRequest, MachineAuth } from '@lapi/common';
import { MachinesService } from './machines.service';

/** /v1/heartbeat: agents say they are alive every minute. */
@Controller('v1/heartbeat')
export class HeartbeatController {
  constructor(private readonly machines: MachinesService) {}

  @MachineAuth()
  @Get()
  @HttpCode(200)
  async heartbeat(@Req() req: LapiRequest): Promise<void> {
    await this.machines.heartbeat(req.machine!.id);
  }
}
