import { gzipSync } from 'node:zlib';
import { BouncersRepository } from '@lapi/db';
import { Edge, newAlert, newDecision, startEdge } from '@lapi/testing';
import { requestFrom } from './support/from-host';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

const MiB = 1024 * 1024;

/** A gzip body that is small on the wire and `size` bytes of JSON once decompressed. */
function gzipBomb(size: number): Buffer {
  const head = '{"machine_id":"bomb","password":"';
  return gzipSync(Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length - 2, 'a'), Buffer.from('"}')]));
}

/** Requests an attacker without credentials (or with stolen agent credentials) can send: each is refused early and cheaply. */
describe('abuse', () => {
  let lapi: TestLapi;
  let token: string;
  let key: string;

  beforeAll(async () => {
    // Only 127.0.0.1 may delete alerts; the suite's "other hosts" send from 127.0.0.2.
    lapi = await startTestLapi({ trustedIps: ['127.0.0.1/32'] });
    token = await lapi.machineToken();
    key = await lapi.bouncerKey('abuse-fw');
  });
  afterAll(() => lapi.close());

  describe('a decompression bomb', () => {
    // About 32 KB on the wire, 32 MiB once inflated: what a 32 MiB limit on every route let through without credentials.
    const bomb = gzipBomb(32 * MiB - 1024);

    it('sent to login is refused with 413 before it is inflated past the route limit', async () => {
      expect(bomb.length).toBeLessThan(64 * 1024);
      const res = await call(lapi, 'POST', '/v1/watchers/login', { rawBody: bomb, headers: { 'content-encoding': 'gzip' } });
      expect({ status: res.status, message: res.body?.message }).toEqual({ status: 413, message: 'request body too large' });
    });

    it('sent four at a time to login leaves a concurrent bouncer lookup answered', async () => {
      const bombs = Array.from({ length: 4 }, () => call(lapi, 'POST', '/v1/watchers/login', { rawBody: bomb, headers: { 'content-encoding': 'gzip' } }));
      const lookup = call(lapi, 'GET', '/v1/decisions?ip=192.0.2.1', { apiKey: key });
      expect((await lookup).status).toBe(200);
      expect((await Promise.all(bombs)).map((r) => r.status)).toEqual([413, 413, 413, 413]);
    });

    it('sent to registration is refused with 413', async () => {
      const res = await call(lapi, 'POST', '/v1/watchers', { rawBody: gzipBomb(MiB), headers: { 'content-encoding': 'gzip' } });
      expect({ status: res.status, message: res.body?.message }).toEqual({ status: 413, message: 'request body too large' });
    });

    it('sent to the alerts route with a token is refused with 413: it expands more than 100 times', async () => {
      const res = await call(lapi, 'POST', '/v1/alerts', { token, rawBody: bomb, headers: { 'content-encoding': 'gzip' } });
      expect({ status: res.status, message: res.body?.message }).toEqual({ status: 413, message: 'request body too large' });
    });

    it('sent to the alerts route without a token is refused with 401 before the body is read', async () => {
      const res = await call(lapi, 'POST', '/v1/alerts', { rawBody: bomb, headers: { 'content-encoding': 'gzip' } });
      expect({ status: res.status, message: res.body?.message }).toEqual({ status: 401, message: 'auth header is empty' });
    });
  });

  describe('bouncer keys', () => {
    it.each([
      ['4 KB long', 'k'.repeat(4 * 1024)],
      ['with a space', 'a b c d e f g h'],
      ['with non-ASCII bytes', Buffer.from('clé-très-secrète', 'utf8').toString('latin1')],
    ])('refuses a key %s with 403', async (_name, bad) => {
      const res = await call(lapi, 'GET', '/v1/decisions', { apiKey: bad });
      expect({ status: res.status, message: res.body?.message }).toEqual({ status: 403, message: 'access forbidden' });
    });

    it('still answers a good key afterwards', async () => {
      expect((await call(lapi, 'GET', '/v1/decisions', { apiKey: key })).status).toBe(200);
    });
  });

  describe('DELETE /v1/alerts', () => {
    const auth = () => ({ authorization: `Bearer ${token}` });

    it('is refused with 403 from an address outside LAPI_TRUSTED_IPS, and deletes nothing', async () => {
      expect((await call(lapi, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions: [newDecision()] })] })).status).toBe(201);
      const byFilter = await requestFrom(`${lapi.url}/v1/alerts`, '127.0.0.2', { method: 'DELETE', headers: auth() });
      expect(byFilter).toEqual({ status: 403, body: { message: 'access forbidden from this IP (127.0.0.2)' } });
      const [alert] = (await call(lapi, 'GET', '/v1/alerts', { token })).body;
      const byId = await requestFrom(`${lapi.url}/v1/alerts/${alert.id}`, '127.0.0.2', { method: 'DELETE', headers: auth() });
      expect(byId).toEqual({ status: 403, body: { message: 'access forbidden from this IP (127.0.0.2)' } });
      expect((await call(lapi, 'GET', '/v1/alerts', { token })).body).toHaveLength(1);
    });

    it('is allowed from a trusted address', async () => {
      const res = await requestFrom(`${lapi.url}/v1/alerts`, '127.0.0.1', { method: 'DELETE', headers: auth() });
      expect(res).toEqual({ status: 200, body: { nbDeleted: '1' } });
    });
  });

  // The services trust forwarded addresses from a whole range here, as a Kubernetes deployment
  // trusting its pod network does: a client inside that range must still not choose its address.
  describe('behind the edge (deploy/nginx/lapi.conf), trusting a range the client is in', () => {
    let edge: Edge;
    let behind: TestLapi;

    beforeAll(async () => {
      behind = await startTestLapi({ trustedProxies: ['127.0.0.0/8'] });
      const port = Number(new URL(behind.url).port);
      edge = await startEdge({ ingest: [port], decisions: [port], registration: [port] });
    });
    afterAll(async () => {
      await edge?.stop();
      await behind?.close();
    });

    it('takes the client address from the connection, not from a forged X-Forwarded-For', async () => {
      const forged = await behind.bouncerKey('forged');
      const res = await requestFrom(`${edge.url}/v1/decisions`, '127.0.0.2', { headers: { 'x-api-key': forged, 'x-forwarded-for': '198.51.100.9' } });
      expect(res.status).toBe(200);
      const hosts = (await behind.app.get(BouncersRepository).list()).map((b) => `${b.name} ${b.ipAddress}`);
      expect(hosts).toEqual(['forged 127.0.0.2']);
    });
  });
});
