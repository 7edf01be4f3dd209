import { Command, InvalidArgumentError, Option } from 'commander';
import { Bus } from '@lapi/bus';
import { CERTIFICATE_NAME, hashEnrollmentToken, initCaFiles, issueServerCertificate, loadCaFiles, newEnrollmentToken } from '@lapi/ca';
import { parseDuration } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { CertificatesRepository } from '@lapi/db';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import * as forge from 'node-forge';
import { postJson } from '../ca-http';
import { printList, Run } from '../output';

interface EnrollmentReply {
  certificate: string;
  ca: string;
  serial: string;
  not_after: string;
}

const positiveDuration = (v: string) => {
  const ms = parseDuration(v);
  if (!ms || ms <= 0) throw new InvalidArgumentError('expected a duration such as 1h or 30m');
  return ms;
};
const positiveInt = (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(v);
};
const hostName = (v: string) => {
  if (!CERTIFICATE_NAME.test(v)) throw new InvalidArgumentError("letters, digits, '.', '_' and '-' only");
  return v;
};

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

export function caCommand(run: Run): Command {
  const cmd = new Command('ca').description("the cluster's certificate authority: client certificates for agents and bouncers");
  cmd
    .command('init')
    .description('create the CA key (encrypted with LAPI_CA_KEY_PASSPHRASE, mode 0600 at LAPI_CA_KEY_FILE) and certificate (LAPI_CA_DIR/ca.pem)')
    .option('--name <cn>', "the CA certificate's common name", 'lapi-cluster CA')
    .action(async (o: { name: string }) => {
      const ca = loadConfig().ca;
      initCaFiles(ca, o.name);
      console.log(`CA key: ${resolve(ca.keyFile)}\nCA certificate: ${resolve(ca.dir, 'ca.pem')}`);
    });
  cmd
    .command('server-cert')
    .description("issue the services' server certificate for DNS names and IP addresses")
    .requiredOption('--out <dir>', 'where to write cert.pem and key.pem')
    .option('--dns <names...>', 'DNS names', [])
    .option('--ip <addresses...>', 'IP addresses', [])
    .addOption(new Option('--ttl <duration>', 'lifetime').argParser(positiveDuration).default(365 * 86400_000, '8760h'))
    .action((o: { out: string; dns: string[]; ip: string[]; ttl: number }) => {
      const bad = o.ip.find((ip) => !isIP(ip));
      if (bad) throw new Error(`--ip ${bad} is not an IP address`);
      if (o.dns.length + o.ip.length === 0) throw new Error('give at least one --dns or --ip');
      const ca = loadCaFiles(loadConfig().ca);
      const s = issueServerCertificate(ca, o.dns, o.ip, o.ttl);
      mkdirSync(o.out, { recursive: true });
      writeAtomic(join(o.out, 'key.pem'), s.keyPem, 0o600);
      writeAtomic(join(o.out, 'cert.pem'), s.pem);
      console.log(`cert_path: ${resolve(o.out, 'cert.pem')}\nkey_path: ${resolve(o.out, 'key.pem')}`);
    });

  const token = cmd.command('token').description('enrollment tokens');
  token
    .command('create')
    .description('print a token that enrolls hosts in one role (stored hashed; single-use unless --uses)')
    .addOption(new Option('--role <role>', 'what the certificate will be').choices(['agent', 'bouncer']).makeOptionMandatory())
    .addOption(new Option('--ttl <duration>', 'how long the token can be used').argParser(positiveDuration).default(3600_000, '1h'))
    .addOption(new Option('--uses <n>', 'how many enrollments it allows').argParser(positiveInt).default(1))
    .action((o: { role: string; ttl: number; uses: number }) =>
      run(async (app) => {
        const t = newEnrollmentToken();
        await app.get(CertificatesRepository).createToken(hashEnrollmentToken(t), o.role, o.uses, new Date(Date.now() + o.ttl));
        console.log(t);
      })(),
    );

  cmd
    .command('enroll')
    .description('make a key here, send only a CSR with the token, and write DIR/key.pem, cert.pem, ca.pem')
    .requiredOption('--url <url>', "the LAPI's URL, e.g. https://lapi:8080")
    .requiredOption('--token <token>', 'from lapictl ca token create')
    .requiredOption('--name <name>', "this host's name (the certificate's CN)", hostName)
    .requiredOption('--out <dir>', 'where to write the files')
    .option('--ca-cert <file>', "CA of the LAPI's server certificate, when the system does not trust it")
    .action(async (o: { url: string; token: string; name: string; out: string; caCert?: string }) => {
      const { keyPem, csrPem } = newKeyAndCsr(o.name);
      const reply = await postJson<EnrollmentReply>(lapiUrl(o.url, '/v1/ca/enroll'), { token: o.token, name: o.name, csr: csrPem }, { caFile: o.caCert });
      saveAndPrint(o.out, keyPem, reply);
    });
  cmd
    .command('renew')
    .description('renew DIR/cert.pem with a new key, authenticated by the current certificate (no token)')
    .requiredOption('--url <url>', "the LAPI's URL")
    .requiredOption('--dir <dir>', 'where key.pem, cert.pem and ca.pem are')
    .action(async (o: { url: string; dir: string }) => {
      const current = forge.pki.certificateFromPem(readFileSync(join(o.dir, 'cert.pem'), 'utf8'));
      const name = current.subject.getField('CN')?.value as string;
      const { keyPem, csrPem } = newKeyAndCsr(name);
      const tls = { caFile: join(o.dir, 'ca.pem'), certFile: join(o.dir, 'cert.pem'), keyFile: join(o.dir, 'key.pem') };
      const reply = await postJson<EnrollmentReply>(lapiUrl(o.url, '/v1/ca/renew'), { csr: csrPem }, tls);
      saveAndPrint(o.dir, keyPem, reply);
    });

  cmd.command('list').description('certificates the CA issued').action(() =>
    run(async (app, format) => {
      const rows = await app.get(CertificatesRepository).list();
      printList(format, rows, {
        header: ['Serial', 'Name', 'Role', 'Not after', 'Revoked'],
        row: (c) => [c.serial, c.name, c.role, c.notAfter.toISOString(), c.revokedAt?.toISOString() ?? ''],
      });
    })(),
  );
  cmd
    .command('revoke <serialOrName>')
    .description('revoke a certificate (or every one issued to a name): into the CRL, and refused by every node')
    .action((target: string) =>
      run(async (app) => {
        const serials = await app.get(CertificatesRepository).revoke(target);
        if (serials.length === 0) throw new Error(`no unrevoked certificate with serial or name ${target}`);
        for (const serial of serials) {
          await app.get(Bus).publishRevocation({ kind: 'certificate', id: serial });
          console.log(`certificate ${serial} revoked`);
        }
      })(),
    );
  return cmd;
}
