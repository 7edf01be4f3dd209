import { Injectable } from '@nestjs/common';
import { ClientCertificates, CertificateRequest } from '@lapi/auth';
import { DomainError, ErrorCode, badRequest, unauthorized } from '@lapi/common';
import { CaChannel, CaReply, CaRequest } from './ca-protocol';

export interface EnrollmentReply {
  certificate: string;
  ca: string;
  serial: string;
  not_after: string;
}

/** The HTTP side of enrollment: checks what it can without the key, then asks the CA to sign. */
@Injectable()
export class EnrollmentService {
  constructor(
    private readonly ca: CaChannel,
    private readonly certificates: ClientCertificates,
  ) {}

  enroll(token: string, name: string, csr: string): Promise<EnrollmentReply> {
    return this.ask({ op: 'enroll', token, name, csr });
  }

  /** No token: the current certificate, verified like any login, names the host and its role. */
  renew(req: CertificateRequest, csr: string): Promise<EnrollmentReply> {
    const cert = this.certificates.identifyAny(req);
    if (!cert) throw unauthorized('renewal needs the current client certificate on the connection');
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
