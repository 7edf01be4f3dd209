import { Injectable } from '@nestjs/common';
import { CaReply, CaRequest } from '@lapi/bus';
import { CertificateIdentity, DomainError, ErrorCode, badRequest, unauthorized } from '@lapi/common';
import { CaChannel } from './ca-channel';

export interface EnrollmentReply {
  certificate: string;
  ca: string;
  serial: string;
  not_after: string;
}

/** The HTTP side of enrollment: checks what it can without the key, then asks the CA to sign. */
@Injectable()
export class EnrollmentService {
  constructor(private readonly ca: CaChannel) {}

  enroll(token: string, name: string, csr: string): Promise<EnrollmentReply> {
    return this.ask({ op: 'enroll', token, name, csr });
  }

  /** No token: the current certificate, checked by the route guard like any login, names the host and its role. */
  renew(cert: CertificateIdentity, csr: string): Promise<EnrollmentReply> {
    return this.ask({ op: 'renew', name: cert.cn, role: cert.role, csr });
  }

  private async ask(req: CaRequest): Promise<EnrollmentReply> {
    const reply: CaReply = await this.ca.request(req);
    if (reply.ok) return { certificate: reply.cert, ca: reply.ca, serial: reply.serial, not_after: reply.notAfter };
    switch (reply.error) {
      case 'bad_request':
        throw badRequest(reply.message);
      case 'unauthorized':
        throw unauthorized(reply.message);
      case 'unavailable':
        throw new DomainError(ErrorCode.Unavailable, reply.message);
    }
  }
}
