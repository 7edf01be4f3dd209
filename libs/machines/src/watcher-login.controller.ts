import { Body, Controller, HttpCode, Req } from '@nestjs/common';
import { KiB, LapiRequest, Route, schemaValidation, unauthorized } from '@lapi/common';
import { WATCHER_AUTH_SCHEMA, WATCHER_CERTIFICATE_AUTH_SCHEMA, WatcherAuthDto, WatcherCertificateAuthDto } from './dto/watcher-auth.dto';
import { MachinesService } from './machines.service';

// Validated by hand: which body applies depends on whether a certificate was presented. Upstream
// answers every failed login with 401; scenario names are free text.
const passwordLoginBody = schemaValidation<WatcherAuthDto>(WATCHER_AUTH_SCHEMA, unauthorized, (path) => path.startsWith('scenarios.'));
const certificateLoginBody = schemaValidation<WatcherCertificateAuthDto>(WATCHER_CERTIFICATE_AUTH_SCHEMA, unauthorized, (path) => path.startsWith('scenarios.'));

/** /v1/watchers/login: an agent's login (anonymous), served by the ingest service with the routes its token is for. */
@Controller()
export class WatcherLoginController {
  constructor(private readonly machines: MachinesService) {}

  /**
   * The body also lists the agent's scenarios: a few hundred names at most. An agent with a
   * certificate sends no credentials in the body (upstream's TLS login): the route guard has
   * checked its certificate and attached it.
   */
  @Route({ method: 'POST', path: '/v1/watchers/login', auth: 'public', certificate: { roles: ['agent'], required: false }, bodyLimit: 64 * KiB, service: 'ingest' })
  @HttpCode(200)
  async login(@Body() raw: unknown, @Req() req: LapiRequest) {
    const cert = req.certificate;
    const { token, expire } = cert
      ? await this.machines.loginWithCertificate(`${cert.cn}@${req.ip}`, req.ip, certificateLoginBody.transform(raw ?? {}).scenarios ?? undefined, userAgentOf(req))
      : await this.passwordLogin(passwordLoginBody.transform(raw ?? {}), req.ip, userAgentOf(req));
    return { code: 200, expire: expire.toISOString().replace(/\.\d{3}Z$/, 'Z'), token };
  }

  private passwordLogin(body: WatcherAuthDto, ip: string, userAgent: string | undefined) {
    return this.machines.login(body.machine_id, body.password, ip, body.scenarios ?? undefined, userAgent);
  }
}

/** The agent's User-Agent (`crowdsec/v1.6.3-...`): its version is recorded at login, as upstream's. */
function userAgentOf(req: LapiRequest): string | undefined {
  const ua = req.headers['user-agent'];
  return Array.isArray(ua) ? ua[0] : ua;
}
