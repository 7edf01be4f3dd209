// X.509 with node-forge: the CA's certificate, client and server certificates, CSRs and the CRL.
// Pure functions; the CA process's service that holds the key and answers requests is ca-signer.ts.
import { randomBytes } from 'node:crypto';
import type * as Forge from 'node-forge';
import { loadedOnFirstUse } from '@lapi/common';

const forge = loadedOnFirstUse(() => require('node-forge') as typeof Forge);

/** A CA's certificate and unlocked private key, in memory of the CA process only. */
export interface CaKeyPair {
  cert: Forge.pki.Certificate;
  key: Forge.pki.rsa.PrivateKey;
}

export interface IssuedCertificate {
  pem: string;
  /** Upper-case hex, as OpenSSL, Node and our CRL print it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** Clock skew between hosts: a certificate is valid from a little before it is issued. */
const BACKDATE_MS = 5 * 60_000;

/** 16 random bytes, first bit clear so the DER integer stays positive. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x10;
  return bytes.toString('hex').toUpperCase();
}

/** A new self-signed CA (RSA 3072: node-forge signs RSA only), valid `years`. */
export function createCa(commonName: string, years = 10): CaKeyPair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 3072 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = newSerial();
  cert.validity.notBefore = new Date(Date.now() - BACKDATE_MS);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 86400_000);
  const subject = [{ name: 'commonName', value: commonName }, { shortName: 'OU', value: 'lapi-cluster' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

export interface ClientCertificateOrder {
  csrPem: string;
  /** The CN the certificate gets, which the CSR must ask for. */
  name: string;
  /** The OU the CA sets, whatever the CSR asks. */
  ou: string;
  ttlMs: number;
}

export class CsrError extends Error {}

/** Reads a CSR and checks it is signed by the key it carries (proof the requester holds it) and asks for `name`. */
export function readCsr(csrPem: string, name: string): Forge.pki.CertificateSigningRequest {
  let csr: Forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (e) {
    throw new CsrError(`not a PEM certificate signing request with an RSA key: ${(e as Error).message}`);
  }
  let valid = false;
  try {
    valid = csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new CsrError('the CSR signature does not match its public key');
  const cn = csr.subject.getField('CN')?.value as string | undefined;
  if (cn !== name) throw new CsrError(`the CSR asks for CN ${JSON.stringify(cn ?? '')}, not ${JSON.stringify(name)}`);
  return csr;
}

/** A client certificate for a CSR: the CA decides subject (CN, OU), dates and usage; the CSR gives the key only. */
export function signClientCertificate(ca: CaKeyPair, order: ClientCertificateOrder): IssuedCertificate {
  const csr = readCsr(order.csrPem, order.name);
  return issue(ca, csr.publicKey as Forge.pki.rsa.PublicKey, [{ shortName: 'OU', value: order.ou }, { name: 'commonName', value: order.name }], order.ttlMs, [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
}

/** The services' server certificate, for these DNS names and IP addresses; the key is made here. */
export function issueServerCertificate(ca: CaKeyPair, dnsNames: string[], ips: string[], ttlMs: number): IssuedCertificate & { keyPem: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const altNames = [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))];
  const issued = issue(ca, keys.publicKey, [{ name: 'commonName', value: dnsNames[0] ?? ips[0] }], ttlMs, [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  return { ...issued, keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

function issue(ca: CaKeyPair, publicKey: Forge.pki.rsa.PublicKey, subject: Forge.pki.CertificateField[], ttlMs: number, extensions: object[]): IssuedCertificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = newSerial();
  cert.validity.notBefore = new Date(Date.now() - BACKDATE_MS);
  cert.validity.notAfter = new Date(Date.now() + ttlMs);
  cert.setSubject(subject);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([...extensions, { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() }]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(cert), serial: cert.serialNumber.toUpperCase(), notBefore: cert.validity.notBefore, notAfter: cert.validity.notAfter };
}

const utcTime = (d: Date) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.UTCTIME, false, forge.asn1.dateToUtcTime(d));
const integer = (hex: string) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.util.hexToBytes(hex.length % 2 ? `0${hex}` : hex));
const seq = (items: Forge.asn1.Asn1[]) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, items);
const sha256WithRsa = () =>
  seq([forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(forge.pki.oids.sha256WithRSAEncryption).getBytes()), forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, '')]);

/**
 * A v2 CRL (RFC 5280 §5) listing these serials, signed by the CA. node-forge has no CRL writer,
 * so it is built from its ASN.1 primitives: OpenSSL, nginx and Node read it like one `openssl ca -gencrl` writes.
 */
export function buildCrl(ca: CaKeyPair, revoked: { serial: string; revokedAt: Date }[], crlNumber: number, validForMs = 7 * 86400_000): string {
  const now = new Date();
  const entries = revoked.map((r) => seq([integer(r.serial), utcTime(r.revokedAt)]));
  const crlNumberExt = seq([
    forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer('2.5.29.20').getBytes()),
    forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, forge.asn1.toDer(integer(crlNumber.toString(16))).getBytes()),
  ]);
  const tbs = seq([
    forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, String.fromCharCode(1)),
    sha256WithRsa(),
    forge.pki.distinguishedNameToAsn1(ca.cert.subject),
    utcTime(now),
    utcTime(new Date(now.getTime() + validForMs)),
    ...(entries.length ? [seq(entries)] : []),
    forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 0, true, [seq([crlNumberExt])]),
  ]);
  const md = forge.md.sha256.create();
  md.update(forge.asn1.toDer(tbs).getBytes());
  const signature = ca.key.sign(md);
  const crl = seq([tbs, sha256WithRsa(), forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature)]);
  const body = forge.util.encode64(forge.asn1.toDer(crl).getBytes()).replace(/(.{64})/g, '$1\n');
  return `-----BEGIN X509 CRL-----\n${body}\n-----END X509 CRL-----\n`.replace('\n\n', '\n');
}
