import { BouncersRepository } from '@lapi/db';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

/** Client addresses come from X-Forwarded-For only when the peer is a trusted proxy, as upstream's trusted_ips. */
describe.each([
  ['trusted', ['127.0.0.1/32'], 'edge@198.51.100.9'],
  ['not trusted', ['10.0.0.0/8'], undefined],
])('a forwarded address from a peer that is %s', (_name, trustedProxies, expectedRow) => {
  let lapi: TestLapi;

  beforeAll(async () => {
    lapi = await startTestLapi({ trustedProxies });
  });
  afterAll(() => lapi.close());

  it(expectedRow ? 'is the bouncer host' : 'is ignored', async () => {
    const key = await lapi.bouncerKey('edge');
    await call(lapi, 'GET', '/v1/decisions', { apiKey: key });
    await call(lapi, 'GET', '/v1/decisions', { apiKey: key, headers: { 'x-forwarded-for': '198.51.100.9' } });
    const names = (await lapi.app.get(BouncersRepository).list()).map((b) => b.name);
    if (expectedRow) expect(names).toEqual(['edge', expectedRow]);
    else expect(names).toEqual(['edge']);
  });
});
