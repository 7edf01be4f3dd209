import { Body, Controller, HttpCode, Req } from '@nestjs/common';
import { KiB, LapiRequest, Route, schemaValidation } from '@lapi/common';
import { ENROLL_SCHEMA, EnrollDto, RENEW_SCHEMA, RenewDto } from './dto/enroll.dto';
import { EnrollmentService } from './enrollment.service';

/** /v1/ca: hosts getting and renewing their client certificate (`lapictl ca enroll|renew`). */
@Controller()
export class EnrollmentController {
  constructor(private readonly enrollment: EnrollmentService) {}

  /** Anonymous: the enrollment token in the body is the credential. A body is a token, a name and a CSR (at most 16 KiB). */
  @Route({ method: 'POST', path: '/v1/ca/enroll', auth: 'public', bodyLimit: 20 * KiB, service: 'registration' })
  @HttpCode(200)
  enroll(@Body(schemaValidation<EnrollDto>(ENROLL_SCHEMA)) body: EnrollDto) {
    return this.enrollment.enroll(body.token, body.name, body.csr);
  }

  /** The client certificate on the connection is the credential: the route guard has checked it, and refuses a caller without one. */
  @Route({ method: 'POST', path: '/v1/ca/renew', auth: 'public', certificate: { roles: ['agent', 'bouncer'], required: true }, bodyLimit: 20 * KiB, service: 'registration' })
  @HttpCode(200)
  renew(@Body(schemaValidation<RenewDto>(RENEW_SCHEMA)) body: RenewDto, @Req() req: LapiRequest) {
    return this.enrollment.renew(req.certificate!, body.csr);
  }
}
