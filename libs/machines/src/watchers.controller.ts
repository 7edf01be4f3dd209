import { Body, Controller, HttpCode, Req, Res } from '@nestjs/common';
import { ClientCertificates } from '@lapi/auth';
import { KiB, LapiRequest, NO_BODY, Route, bodyValidation, unauthorized } from '@lapi/common';
import { WatcherAuthDto, WatcherCertificateAuthDto } from './dto/watcher-auth.dto';
import { WatcherRegistrationDto } from './dto/watcher-registration.dto';
import { MachinesService } from './machines.service';

interface StatusReply {
  status(code: number): { send(body?: unknown): unknown };
}

/** Validated by hand: which DTO applies depends on whether a certificate was presented. */
function validLogin<T>(raw: unknown, metatype: new () => T): Promise<T> {
  return bodyValidation(unauthorized, (path) => path.startsWith('scenarios.')).transform(raw ?? {}, { type: 'body', metatype }) as Promise<T>;
}

/** /v1/watchers: registration and login (anonymous), and a machine removing itself. */
@Controller()
export class WatchersController {
  constructor(
    private readonly machines: MachinesService,
    private readonly certificates: ClientCertificates,
  ) {}

  /** 201 when created pending validation, 202 when validated by an auto-registration token. A body is an id, a password and a token. */
  @Route({ method: 'POST', path: '/v1/watchers', auth: ['public'], bodyLimit: 16 * KiB, service: 'registration' })
  async register(@Body(bodyValidation()) body: WatcherRegistrationDto, @Req() req: LapiRequest, @Res() reply: StatusReply) {
    const outcome = await this.machines.register(body.machine_id, body.password, req.ip, body.registration_token);
    return reply.status(outcome === 'validated' ? 202 : 201).send();
  }

  /** The body also lists the agent's scenarios: a few hundred names at most. */
  @Route({ method: 'POST', path: '/v1/watchers/login', auth: ['public'], bodyLimit: 64 * KiB, service: 'ingest' })
  @HttpCode(200)
  async login(@Body() raw: unknown, @Req() req: LapiRequest) {
    // An agent with a certificate sends no credentials in the body (upstream's TLS login).
    const cert = this.certificates.identify(req, 'agent');
    const { token, expire } = cert
      ? await this.machines.loginWithCertificate(`${cert.cn}@${req.ip}`, req.ip, (await validLogin(raw, WatcherCertificateAuthDto)).scenarios)
      : await this.passwordLogin(await validLogin(raw, WatcherAuthDto), req.ip);
    return { code: 200, expire: expire.toISOString().replace(/\.\d{3}Z$/, 'Z'), token };
  }

  private passwordLogin(body: WatcherAuthDto, ip: string) {
    return this.machines.login(body.machine_id, body.password, ip, body.scenarios);
  }

  @Route({ method: 'DELETE', path: '/v1/watchers/self', auth: ['machine'], bodyLimit: NO_BODY, service: 'registration' })
  @HttpCode(200)
  async deleteSelf(@Req() req: LapiRequest) {
    await this.machines.delete(req.machine!.machineId);
    return { message: 'machine deleted' };
  }
}
