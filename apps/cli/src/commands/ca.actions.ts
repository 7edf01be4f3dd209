import { INestApplicationContext } from '@nestjs/common';
import { Bus, publishAfterCommit } from '@lapi/bus';
import { hashEnrollmentToken, initCaFiles, issueServerCertificate, loadCaFiles, newEnrollmentToken } from '@lapi/ca';
import { parseDuration } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { CertificatesRepository } from '@lapi/db';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import * as forge from 'node-forge';
import { postJson } from '../ca-http';
import { OutputFormat, printList } from '../output';

interface EnrollmentReply {
  certificate: string;
  ca: string;
  serial: string;
  not_after: string;
}

/** A --ttl the grammar let through (its form): a positive duration, in milliseconds. */
function positiveDuration(v: string): number {
  const ms = parseDuration(v);
  if (!ms || ms <= 0) throw new Error(`--ttl ${v}: expected a positive duration such as 1h or 30m`);
  return ms;
}

/** Writes a file whole or not at all (a renewal cut short keeps the old pair). */
function writeAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

/** A fresh key and a CSR for `name`: the key never leaves this host. */
function newKeyAndCsr(name: string): { keyPem: string; csrPem: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([{ name: 'commonName', value: name }]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return { keyPem: forge.pki.privateKeyToPem(keys.privateKey), csrPem: forge.pki.certificationRequestToPem(csr) };
}

/** What the CrowdSec client configs (local_api_credentials.yaml, a bouncer's yaml) need. */
function saveAndPrint(dir: string, keyPem: string, reply: EnrollmentReply): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = { ca_cert_path: resolve(dir, 'ca.pem'), cert_path: resolve(dir, 'cert.pem'), key_path: resolve(dir, 'key.pem') };
  writeAtomic(paths.key_path, keyPem, 0o600);
  writeAtomic(paths.cert_path, reply.certificate);
  writeAtomic(paths.ca_cert_path, reply.ca);
  for (const [k, v] of Object.entries(paths)) console.log(`${k}: ${v}`);
}

const lapiUrl = (url: string, path: string) => `${url.replace(/\/+$/, '')}${path}`;

export function caInit(name: string): void {
  const ca = loadConfig().ca;
  initCaFiles(ca, name);
  console.log(`CA key: ${resolve(ca.keyFile)}\nCA certificate: ${resolve(ca.dir, 'ca.pem')}`);
}

export function serverCert(o: { out: string; dns: string[]; ip: string[]; ttl: string }): void {
  const ttl = positiveDuration(o.ttl);
  const bad = o.ip.find((ip) => !isIP(ip));
  if (bad) throw new Error(`--ip ${bad} is not an IP address`);
  if (o.dns.length + o.ip.length === 0) throw new Error('give at least one --dns or --ip');
  const ca = loadCaFiles(loadConfig().ca);
  const s = issueServerCertificate(ca, o.dns, o.ip, ttl);
  mkdirSync(o.out, { recursive: true });
  writeAtomic(join(o.out, 'key.pem'), s.keyPem, 0o600);
  writeAtomic(join(o.out, 'cert.pem'), s.pem);
  console.log(`cert_path: ${resolve(o.out, 'cert.pem')}\nkey_path: ${resolve(o.out, 'key.pem')}`);
}

export async function createToken(app: INestApplicationContext, o: { role: string; ttl: string; uses: number }): Promise<void> {
  const ttl = positiveDuration(o.ttl);
  const t = newEnrollmentToken();
  await app.get(CertificatesRepository).createToken(hashEnrollmentToken(t), o.role, o.uses, new Date(Date.now() + ttl));
  console.log(t);
}

export async function enroll(o: { url: string; token: string; name: string; out: string; caCert?: string }): Promise<void> {
  const { keyPem, csrPem } = newKeyAndCsr(o.name);
  const reply = await postJson<EnrollmentReply>(lapiUrl(o.url, '/v1/ca/enroll'), { token: o.token, name: o.name, csr: csrPem }, { caFile: o.caCert });
  saveAndPrint(o.out, keyPem, reply);
}

export async function renew(o: { url: string; dir: string }): Promise<void> {
  const current = forge.pki.certificateFromPem(readFileSync(join(o.dir, 'cert.pem'), 'utf8'));
  const name = current.subject.getField('CN')?.value as string;
  const { keyPem, csrPem } = newKeyAndCsr(name);
  const tls = { caFile: join(o.dir, 'ca.pem'), certFile: join(o.dir, 'cert.pem'), keyFile: join(o.dir, 'key.pem') };
  const reply = await postJson<EnrollmentReply>(lapiUrl(o.url, '/v1/ca/renew'), { csr: csrPem }, tls);
  saveAndPrint(o.dir, keyPem, reply);
}

export async function listCertificates(app: INestApplicationContext, format: OutputFormat): Promise<void> {
  const rows = await app.get(CertificatesRepository).list();
  printList(format, rows, {
    header: ['Serial', 'Name', 'Role', 'Not after', 'Revoked'],
    row: (c) => [c.serial, c.name, c.role, c.notAfter.toISOString(), c.revokedAt?.toISOString() ?? ''],
  });
}

export async function revoke(app: INestApplicationContext, target: string): Promise<void> {
  const serials = await app.get(CertificatesRepository).revoke(target);
  if (serials.length === 0) throw new Error(`no unrevoked certificate with serial or name ${target}`);
  for (const serial of serials) {
    // Committed: nodes that miss the message read the revoked serials within a second anyway.
    await publishAfterCommit(console, `certificate ${serial}'s revocation`, () => app.get(Bus).publishRevocation({ kind: 'certificate', id: serial }));
    console.log(`certificate ${serial} revoked`);
  }
}
