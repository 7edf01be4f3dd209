import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, Server as TlsServer, TLSSocket, TlsOptions } from 'node:tls';
import { watchFiles } from './watched-files';

/** What the HTTP app set-up needs of the TLS configuration (AppConfig.tls). */
export interface TlsServerOptions {
  certFile?: string;
  keyFile?: string;
  clientCaFile?: string;
  crlFile?: string;
  clientVerification: 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
}

/** The files' contents, read now: what setSecureContext takes on every change. */
function contextOptions(t: TlsServerOptions): SecureContextOptions {
  return {
    cert: readFileSync(t.certFile!),
    key: readFileSync(t.keyFile!),
    ca: t.clientCaFile ? readFileSync(t.clientCaFile) : undefined,
    crl: t.crlFile ? readFileSync(t.crlFile) : undefined,
    minVersion: 'TLSv1.2',
  };
}

/**
 * Options of the HTTPS server, or undefined for plain HTTP. Only RequireAndVerifyClientCert makes
 * the handshake itself refuse a bad certificate; in the other modes a certificate that fails
 * verification still connects, and the auth layer answers its request with a JSON 401/403 that
 * names the reason (socket.authorizationError), as upstream's clients expect a body they can read.
 */
export function httpsOptions(t: TlsServerOptions | undefined): TlsOptions | undefined {
  if (!t?.certFile || !t.keyFile) return undefined;
  const requestCert = t.clientVerification !== 'NoClientCert';
  return { ...contextOptions(t), requestCert, rejectUnauthorized: t.clientVerification === 'RequireAndVerifyClientCert' };
}

/**
 * Reloads certificate, key, CA and CRL when their files change (a cert-manager rotation needs no
 * restart), and enforces RequireAnyClientCert, which Node's options cannot say: a certificate
 * required, whether or not it verifies. Returns the function that stops watching.
 */
export function manageTlsServer(server: TlsServer, t: TlsServerOptions, logger = new Logger('Tls')): () => void {
  if (t.clientVerification === 'RequireAnyClientCert') {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!socket.getPeerCertificate() || Object.keys(socket.getPeerCertificate()).length === 0) socket.destroy();
    });
  }
  return watchFiles([t.certFile, t.keyFile, t.clientCaFile, t.crlFile], () => {
    try {
      server.setSecureContext(contextOptions(t));
      logger.log('TLS certificate, key, CA and CRL files reloaded');
    } catch (e) {
      // A half-written rotation: keep serving with the previous files until the next change.
      logger.warn(`TLS files not reloaded: ${(e as Error).message}`);
    }
  });
}
