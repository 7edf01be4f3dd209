import { Body, Controller, HttpCode, Req, Res } from '@nestjs/common';
import { KiB, LapiRequest, NO_BODY, Route, schemaValidation } from '@lapi/common';
import { WATCHER_REGISTRATION_SCHEMA, WatcherRegistrationDto } from './dto/watcher-registration.dto';
import { MachinesService } from './machines.service';

interface StatusReply {
  status(code: number): { send(body?: unknown): unknown };
}

/** /v1/watchers: registration (anonymous) and a machine removing itself, served by the registration service. */
@Controller()
export class WatchersController {
  constructor(private readonly machines: MachinesService) {}

  /** 201 when created pending validation, 202 when validated by an auto-registration token. A body is an id, a password and a token. */
  @Route({ method: 'POST', path: '/v1/watchers', auth: 'public', bodyLimit: 16 * KiB, service: 'registration' })
  async register(@Body(schemaValidation<WatcherRegistrationDto>(WATCHER_REGISTRATION_SCHEMA)) body: WatcherRegistrationDto, @Req() req: LapiRequest, @Res() reply: StatusReply) {
    const outcome = await this.machines.register(body.machine_id, body.password, req.ip, body.registration_token ?? undefined);
    return reply.status(outcome === 'validated' ? 202 : 201).send();
  }

  @Route({ method: 'DELETE', path: '/v1/watchers/self', auth: 'machine', bodyLimit: NO_BODY, service: 'registration' })
  @HttpCode(200)
  async deleteSelf(@Req() req: LapiRequest) {
    await this.machines.delete(req.machine!.machineId);
    return { message: 'machine deleted' };
  }
}
