import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CaReply, CaRequest } from '@lapi/bus';
import type { CertificateRole } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { CertificatesRepository } from '@lapi/db';
import { writeFileSync } from 'node:fs';
import type * as Forge from 'node-forge';
import { loadedOnFirstUse } from '@lapi/common';

const forge = loadedOnFirstUse(() => require('node-forge') as typeof Forge);
import { caCrlPath, loadCaFiles } from './ca-key-store';
import { CaKeyPair, CsrError, buildCrl, readCsr, signClientCertificate } from './x509';
import { CERTIFICATE_NAME, hashEnrollmentToken } from './enrollment-tokens';

/** How often the CRL is rewritten from the revocations in the database (lapictl ca revoke writes there). */
const CRL_REFRESH_MS = 1000;

/**
 * The one holder of the CA key: signs what the enrollment route asks (token or current
 * certificate already checked for renewals), and keeps crl.pem in step with the revocations.
 * Runs in apps/ca, or in-process in standalone.
 */
@Injectable()
export class CaSigner implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CaSigner');
  private keys?: CaKeyPair;
  private caPem = '';
  private timer?: NodeJS.Timeout;
  private crlState = '';
  private crlNumber = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly certificates: CertificatesRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      this.keys = loadCaFiles(this.config.ca);
      this.caPem = forge.pki.certificateToPem(this.keys.cert);
    } catch (e) {
      // Standalone without `lapictl ca init`: everything else works, enrollment answers 503.
      this.logger.warn(`certificate enrollment is off: ${(e as Error).message}`);
      return;
    }
    await this.refreshCrl();
    this.timer = setInterval(() => void this.refreshCrl().catch((e: Error) => this.logger.warn(`CRL not refreshed: ${e.message}`)), CRL_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** True once the key is loaded (apps/ca refuses to start otherwise). */
  isReady(): boolean {
    return !!this.keys;
  }

  async handle(req: CaRequest): Promise<CaReply> {
    if (!this.keys) return { ok: false, error: 'unavailable', message: 'the CA is not initialised (lapictl ca init)' };
    if (!CERTIFICATE_NAME.test(req.name)) return { ok: false, error: 'bad_request', message: `invalid name ${JSON.stringify(req.name)}: letters, digits, '.', '_' and '-' only` };
    try {
      // A bad CSR does not use up the token: the host can fix it and try again.
      readCsr(req.csr, req.name);
      const role = req.op === 'enroll' ? await this.certificates.consumeToken(hashEnrollmentToken(req.token)) : req.role;
      if (role !== 'agent' && role !== 'bouncer') return { ok: false, error: 'unauthorized', message: 'enrollment token is unknown, used up or expired' };
      return await this.sign(req.csr, req.name, role);
    } catch (e) {
      if (e instanceof CsrError) return { ok: false, error: 'bad_request', message: e.message };
      throw e;
    }
  }

  private async sign(csr: string, name: string, role: CertificateRole): Promise<CaReply> {
    const tls = this.config.tls;
    const ou = role === 'agent' ? tls.agentsAllowedOu[0] : tls.bouncersAllowedOu[0];
    const issued = signClientCertificate(this.keys!, { csrPem: csr, name, ou, ttlMs: this.config.ca.certTtlMs });
    await this.certificates.recordIssued({ serial: issued.serial, name, role, notBefore: issued.notBefore, notAfter: issued.notAfter });
    this.logger.log(`issued ${role} certificate ${issued.serial} to ${name}`);
    return { ok: true, cert: issued.pem, ca: this.caPem, serial: issued.serial, notAfter: issued.notAfter.toISOString() };
  }

  /** Rewrites crl.pem when the set of revocations changed (and at start, so the file exists). */
  private async refreshCrl(): Promise<void> {
    const revoked = await this.certificates.listRevoked();
    const state = revoked.map((r) => r.serial).join(',');
    // Rewritten daily too: a CRL past its nextUpdate (7 days) makes OpenSSL refuse every certificate.
    if (state === this.crlState && Date.now() / 1000 - this.crlNumber < 86400) return;
    this.crlNumber = Math.floor(Date.now() / 1000);
    writeFileSync(caCrlPath(this.config.ca), buildCrl(this.keys!, revoked, this.crlNumber));
    this.crlState = state;
  }
}
