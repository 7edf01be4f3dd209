import { Bus } from '@lapi/bus';
import { MachinesRepository } from '@lapi/db';
import { MachinesService } from '@lapi/machines';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

describe('watchers: registration, login, heartbeat', () => {
  let lapi: TestLapi;
  const token = 'a'.repeat(40);

  beforeAll(async () => {
    lapi = await startTestLapi({ autoRegistrationToken: token, autoRegistrationRanges: ['127.0.0.0/8'], loginMaxFailures: 3 });
  });
  afterAll(() => lapi.close());

  it('registers a watcher pending validation (201), refuses its login until validated, then logs it in', async () => {
    expect((await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'w1', password: 'secret1' } })).status).toBe(201);
    const before = await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'w1', password: 'secret1' } });
    expect(before.status).toBe(401);
    expect(before.body.message).toMatch(/not validated/);
    await lapi.app.get(MachinesService).validate('w1');
    const after = await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'w1', password: 'secret1', scenarios: ['a/b'] } });
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ code: 200, expire: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), token: expect.any(String) });
    const expiresIn = Date.parse(after.body.expire) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect((await call(lapi, 'GET', '/v1/heartbeat', { token: after.body.token })).status).toBe(200);
  });

  it('refuses a second registration of the same machine with 403', async () => {
    expect((await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'w-twice', password: 'first' } })).status).toBe(201);
    const res = await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'w-twice', password: 'other' } });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/already exist/);
  });

  it('validates at once with a good auto-registration token from an allowed range (202)', async () => {
    const res = await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'auto1', password: 'pw', registration_token: token } });
    expect(res.status).toBe(202);
    expect((await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'auto1', password: 'pw' } })).status).toBe(200);
  });

  it('refuses a wrong auto-registration token with 403 and creates nothing', async () => {
    const res = await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'auto2', password: 'pw', registration_token: 'b'.repeat(40) } });
    expect(res.status).toBe(403);
    expect(await lapi.app.get(MachinesService).list()).not.toContainEqual(expect.objectContaining({ machineId: 'auto2' }));
  });

  it('answers a login with missing fields with 401 and a message', async () => {
    const res = await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'w1' } });
    expect(res.status).toBe(401);
    expect(typeof res.body.message).toBe('string');
  });

  it('refuses machine routes without a token, with a forged token, and for a deleted machine', async () => {
    expect((await call(lapi, 'GET', '/v1/heartbeat')).status).toBe(401);
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IncxIn0.c2lnbmF0dXJl';
    expect((await call(lapi, 'GET', '/v1/heartbeat', { token: forged })).status).toBe(401);
    const t = await lapi.machineToken('doomed');
    expect((await call(lapi, 'DELETE', '/v1/watchers/self', { token: t })).status).toBe(200);
    expect((await call(lapi, 'GET', '/v1/heartbeat', { token: t })).status).toBe(401);
  });

  it('answers DELETE /v1/watchers/self from the commit when the revocation publish fails, and refuses the machine from then on', async () => {
    const t = await lapi.machineToken('leaving');
    const publish = jest.spyOn(lapi.app.get(Bus), 'publishRevocation').mockRejectedValue(new Error('CONNECTION_CLOSED'));
    try {
      const res = await call(lapi, 'DELETE', '/v1/watchers/self', { token: t });
      expect(publish).toHaveBeenCalled();
      expect(res.status).toBe(200);
      expect(await lapi.app.get(MachinesRepository).findWithPassword('leaving')).toBeNull();
      expect((await call(lapi, 'GET', '/v1/heartbeat', { token: t })).status).toBe(401);
    } finally {
      publish.mockRestore();
    }
  });

  // Last: it leaves 'victim' throttled from 127.0.0.1.
  it('answers every login failure with 401, and throttles a machine from an address after repeated failures (429)', async () => {
    await lapi.app.get(MachinesService).add('victim', 'right', { validated: true });
    const wrong = () => call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'victim', password: 'wrong' } });
    for (let i = 0; i < 3; i++) expect((await wrong()).status).toBe(401);
    expect((await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'nobody', password: 'x' } })).status).toBe(401);
    const right = await call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id: 'victim', password: 'right' } });
    expect(right.status).toBe(429);
    expect(right.body.message).toMatch(/too many failed logins/);
  });
});
