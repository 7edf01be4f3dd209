import { Body, Controller, Delete, HttpCode, Post, Req, Res } from '@nestjs/common';
import { LapiRequest, MachineAuth, Public, bodyValidation, unauthorized } from '@lapi/common';
import { WatcherAuthDto } from './dto/watcher-auth.dto';
import { WatcherRegistrationDto } from './dto/watcher-registration.dto';
import { MachinesService } from './machines.service';

interface StatusReply {
  status(code: number): { send(body?: unknown): unknown };
}

/** /v1/watchers: registration and login (anonymous), and a machine removing itself. */
@Controller('v1/watchers')
export class WatchersController {
  constructor(private readonly machines: MachinesService) {}

  /** 201 when created pending validation, 202 when validated by an auto-registration token. */
  @Public()
  @Post()
  async register(@Body(bodyValidation()) body: WatcherRegistrationDto, @Req() req: LapiRequest, @Res() reply: StatusReply) {
    const outcome = await this.machines.register(body.machine_id, body.password, req.ip, body.registration_token);
    return reply.status(outcome === 'validated' ? 202 : 201).send();
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body(bodyValidation(unauthorized, (path) => path.startsWith('scenarios.'))) body: WatcherAuthDto, @Req() req: LapiRequest) {
    const { token, expire } = await this.machines.login(body.machine_id, body.password, req.ip, body.scenarios);
    return { code: 200, expire: expire.toISOString().replace(/\.\d{3}Z$/, 'Z'), token };
  }

  @MachineAuth()
  @Delete('self')
  @HttpCode(200)
  async deleteSelf(@Req() req: LapiRequest) {
    await this.machines.delete(req.machine!.machineId);
    return { message: 'machine deleted' };
  }
}
