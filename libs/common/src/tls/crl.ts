import type * as Forge from 'node-forge';
import { loadedOnFirstUse } from '../loaded-on-first-use';

const forge = loadedOnFirstUse(() => require('node-forge') as typeof Forge);

/**
 * The serials (upper-case hex) a PEM CRL lists. Only read, not verified: the file is configured
 * by the operator like the CA file beside it. Node has no CRL parser and OpenSSL checks it only
 * on TLS connections, so the edge's certificate header needs this one.
 */
export function readCrlSerials(pem: string): Set<string> {
  const serials = new Set<string>();
  for (const block of pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? []) {
    const der = forge.util.decode64(block.replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ''));
    const crl = forge.asn1.fromDer(der);
    const tbs = (crl.value as Forge.asn1.Asn1[])[0].value as Forge.asn1.Asn1[];
    // version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, extensions[0]?
    const revoked = tbs.find((n, i) => i >= 3 && n.tagClass === forge.asn1.Class.UNIVERSAL && n.type === forge.asn1.Type.SEQUENCE && n.constructed);
    for (const entry of (revoked?.value as Forge.asn1.Asn1[] | undefined) ?? []) {
      const serial = (entry.value as Forge.asn1.Asn1[])[0].value as string;
      serials.add(forge.util.bytesToHex(serial).toUpperCase().replace(/^(00)+(?=.)/, ''));
    }
  }
  return serials;
}
