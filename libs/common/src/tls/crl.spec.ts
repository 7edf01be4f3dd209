import { createOpensslCa } from '@lapi/testing';
import { readFileSync, rmSync } from 'node:fs';
import { readCrlSerials } from './crl';

describe('readCrlSerials', () => {
  it('lists the serials openssl revoked, and none of an empty CRL', () => {
    const ca = createOpensslCa('CRL test CA');
    try {
      const kept = ca.issue({ cn: 'kept', ou: 'agent-ou' });
      expect(readCrlSerials(readFileSync(ca.writeCrl(), 'utf8')).size).toBe(0);
      const a = ca.issue({ cn: 'a', ou: 'agent-ou' });
      const b = ca.issue({ cn: 'b', ou: 'bouncer-ou' });
      ca.revoke(a);
      ca.revoke(b);
      const serials = readCrlSerials(readFileSync(ca.crlPath, 'utf8'));
      expect([...serials].sort()).toEqual([a.serial, b.serial].sort());
      expect(serials.has(kept.serial)).toBe(false);
    } finally {
      rmSync(ca.dir, { recursive: true, force: true });
    }
  });
});
