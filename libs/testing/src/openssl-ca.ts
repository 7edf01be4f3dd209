import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedFiles {
  certPath: string;
  keyPath: string;
  /** Upper-case hex serial, as Node and OpenSSL print it. */
  serial: string;
}

export interface CertificateRequest {
  cn: string;
  ou?: string;
  /** openssl's YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ; default: from an hour ago to 30 days on. */
  startDate?: Date;
  endDate?: Date;
  /** Server certificate names (DNS:..., IP:...); without them a client certificate. */
  serverNames?: string[];
}

export interface OpensslCa {
  dir: string;
  certPath: string;
  keyPath: string;
  issue(req: CertificateRequest): IssuedFiles;
  /** Revokes and writes a fresh CRL to crlPath. */
  revoke(cert: IssuedFiles): void;
  /** Writes the CRL (empty until something is revoked) and returns its path. */
  writeCrl(): string;
  crlPath: string;
}

const asn1Time = (d: Date) => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');

/**
 * A certificate authority made with openssl, as an operator with an existing CA would have one:
 * `openssl ca` with its index file, so certificates can have any dates and be revoked into a CRL.
 */
export function createOpensslCa(name = 'Test CA', root?: string): OpensslCa {
  const dir = root ?? mkdtempSync(join(tmpdir(), 'lapi-ca-'));
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(
    cnf,
    `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
certificate = ${dir}/ca.pem
private_key = ${dir}/ca.key
default_md = sha256
policy = policy_any
default_crl_days = 30
unique_subject = no
[ policy_any ]
organizationalUnitName = optional
commonName = supplied
`,
  );
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca.key');
  const crlPath = join(dir, 'crl.pem');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  openssl('req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '30',
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  let n = 0;
  const ca: OpensslCa = {
    dir,
    certPath,
    keyPath,
    crlPath,
    issue(req) {
      const base = join(dir, `${req.cn.replace(/[^\w.-]/g, '_')}-${++n}`);
      const subj = `${req.ou ? `/OU=${req.ou}` : ''}/CN=${req.cn}`;
      openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subj);
      const ext = `${base}.ext`;
      writeFileSync(ext, req.serverNames
        ? `extendedKeyUsage = serverAuth\nsubjectAltName = ${req.serverNames.join(',')}\n`
        : 'extendedKeyUsage = clientAuth\n');
      const start = req.startDate ?? new Date(Date.now() - 3600_000);
      const end = req.endDate ?? new Date(Date.now() + 30 * 86400_000);
      openssl('ca', '-batch', '-config', cnf, '-notext', '-in', `${base}.csr`, '-out', `${base}.pem`, '-extfile', ext,
        '-startdate', asn1Time(start), '-enddate', asn1Time(end));
      const serial = openssl('x509', '-in', `${base}.pem`, '-noout', '-serial').trim().replace(/^serial=/, '').toUpperCase();
      return { certPath: `${base}.pem`, keyPath: `${base}.key`, serial };
    },
    revoke(cert) {
      openssl('ca', '-batch', '-config', cnf, '-revoke', cert.certPath);
      ca.writeCrl();
    },
    writeCrl() {
      openssl('ca', '-batch', '-config', cnf, '-gencrl', '-out', crlPath);
      return crlPath;
    },
  };
  return ca;
}
