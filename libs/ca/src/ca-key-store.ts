import { CaConfig } from '@lapi/config';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Forge from 'node-forge';
import { loadedOnFirstUse } from '@lapi/common';

const forge = loadedOnFirstUse(() => require('node-forge') as typeof Forge);
import { CaKeyPair, buildCrl, createCa } from './x509';

export class CaKeyError extends Error {}

export const caCertPath = (ca: CaConfig) => join(ca.dir, 'ca.pem');
export const caCrlPath = (ca: CaConfig) => join(ca.dir, 'crl.pem');

function requirePassphrase(ca: CaConfig): string {
  if (!ca.passphrase) throw new CaKeyError('LAPI_CA_KEY_PASSPHRASE (or LAPI_CA_KEY_PASSPHRASE_FILE) is required: the CA key is kept encrypted');
  return ca.passphrase;
}

/**
 * Creates the CA: its key, encrypted with the passphrase, written readable by this user alone
 * (0600, in a 0700 directory when it makes one), and its certificate beside the CRL. Refuses to
 * replace an existing key: every certificate it signed would stop verifying.
 */
export function initCaFiles(ca: CaConfig, commonName: string): CaKeyPair {
  const passphrase = requirePassphrase(ca);
  if (existsSync(ca.keyFile)) throw new CaKeyError(`${ca.keyFile} exists already: the CA is initialised`);
  const pair = createCa(commonName);
  mkdirSync(dirname(ca.keyFile), { recursive: true, mode: 0o700 });
  mkdirSync(ca.dir, { recursive: true });
  writeFileSync(ca.keyFile, forge.pki.encryptRsaPrivateKey(pair.key, passphrase, { algorithm: 'aes256' }), { mode: 0o600, flag: 'wx' });
  chmodSync(ca.keyFile, 0o600);
  writeFileSync(caCertPath(ca), forge.pki.certificateToPem(pair.cert));
  // An empty CRL from the start, so LAPI_TLS_CRL_FILE and nginx's ssl_crl can name it before the CA runs.
  writeFileSync(caCrlPath(ca), buildCrl(pair, [], 1));
  return pair;
}

/** The CA's key, unlocked, and its certificate: only the CA process (or standalone) calls this. */
export function loadCaFiles(ca: CaConfig): CaKeyPair {
  const passphrase = requirePassphrase(ca);
  if (!existsSync(ca.keyFile)) throw new CaKeyError(`no CA key at ${ca.keyFile}: run lapictl ca init`);
  const key = forge.pki.decryptRsaPrivateKey(readFileSync(ca.keyFile, 'utf8'), passphrase);
  if (!key) throw new CaKeyError(`cannot decrypt ${ca.keyFile}: wrong LAPI_CA_KEY_PASSPHRASE`);
  const cert = forge.pki.certificateFromPem(readFileSync(caCertPath(ca), 'utf8'));
  return { cert, key };
}

export function readCaCertPem(ca: CaConfig): string {
  return readFileSync(caCertPath(ca), 'utf8');
}
