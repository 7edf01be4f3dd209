import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueServerCertificate, signClientCertificate } from '@lapi/ca';
import * as forge from 'node-forge';

export interface PemFiles {
  certPath: string;
  keyPath: string;
}

export interface ClusterCaFiles {
  /** The CA's certificate (what NATS_TLS_CA_FILE names). */
  caPath: string;
  /** A server certificate for these names, as `lapictl ca server-cert` issues. */
  issueServer(name: string, dnsNames: string[], ips: string[]): PemFiles;
  /** A client certificate, as the CA signs an enrollment's CSR. */
  issueClient(name: string): PemFiles;
}

const HOUR = 3600_000;

/** A CA made by our own CA code (libs/ca, node-forge), writing PEM files under `dir`. */
export function createClusterCaFiles(dir: string, commonName: string): ClusterCaFiles {
  mkdirSync(dir, { recursive: true });
  const ca = createCa(commonName);
  const caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, forge.pki.certificateToPem(ca.cert));
  const write = (name: string, certPem: string, keyPem: string): PemFiles => {
    const files = { certPath: join(dir, `${name}.pem`), keyPath: join(dir, `${name}.key`) };
    writeFileSync(files.certPath, certPem);
    writeFileSync(files.keyPath, keyPem, { mode: 0o600 });
    return files;
  };
  return {
    caPath,
    issueServer(name, dnsNames, ips) {
      const s = issueServerCertificate(ca, dnsNames, ips, HOUR);
      return write(name, s.pem, s.keyPem);
    },
    issueClient(name) {
      const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
      const csr = forge.pki.createCertificationRequest();
      csr.publicKey = keys.publicKey;
      csr.setSubject([{ name: 'commonName', value: name }]);
      csr.sign(keys.privateKey, forge.md.sha256.create());
      const issued = signClientCertificate(ca, { csrPem: forge.pki.certificationRequestToPem(csr), name, ou: 'lapi-services', ttlMs: HOUR });
      return write(name, issued.pem, forge.pki.privateKeyToPem(keys.privateKey));
    },
  };
}
