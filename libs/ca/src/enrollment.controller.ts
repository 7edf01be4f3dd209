import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { LapiRequest, Public, bodyValidation } from '@lapi/common';
import { EnrollDto, RenewDto } from './dto/enroll.dto';
import { EnrollmentService } from './enrollment.service';

/** /v1/ca: hosts getting and renewing their client certificate (`lapictl ca enroll|renew`). */
@Controller('v1/ca')
export class EnrollmentController {
  constructor(private readonly enrollment: EnrollmentService) {}

  /** Anonymous: the enrollment token in the body is the credential. */
  @Public()
  @Post('enroll')
  @HttpCode(200)
  enroll(@Body(bodyValidation()) body: EnrollDto) {
    return this.enrollment.enroll(body.token, body.name, body.csr);
  }

  /** Anonymous to the guard: the client certificate on the connection is the credential, checked by the service. */
  @Public()
  @Post('renew')
  @HttpCode(200)
  renew(@Body(bodyValidation()) body: RenewDto, @Req() req: LapiRequest) {
    return this.enrollment.renew(req, body.csr);
  }
}
