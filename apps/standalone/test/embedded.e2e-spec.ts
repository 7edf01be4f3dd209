import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAlert, newDecision } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

/** The default set-up: no DATABASE_URL, the embedded database under a data directory. */
describe('standalone on the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-embedded-'));
  let lapi: TestLapi;

  beforeAll(async () => {
    lapi = await startTestLapi({ embeddedDir: dir });
  }, 60_000);
  afterAll(async () => {
    await lapi?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, logs in, takes decisions, serves lookups and the stream', async () => {
    expect((await call(lapi, 'POST', '/v1/watchers', { body: { machine_id: 'emb', password: 'pw' } })).status).toBe(201);
    const token = await lapi.machineToken();
    const key = await lapi.bouncerKey('emb-bouncer');
    await call(lapi, 'GET', '/v1/decisions/stream?startup=true', { apiKey: key });
    const pushed = await call(lapi, 'POST', '/v1/alerts', {
      token,
      body: [newAlert({ decisions: [newDecision({ value: '192.0.2.44' }), newDecision({ value: '2001:db8::/64', scope: 'Range' })] })],
    });
    expect(pushed.status).toBe(201);
    expect((await call(lapi, 'GET', '/v1/decisions?ip=2001:db8::abcd', { apiKey: key })).body).toEqual([expect.objectContaining({ value: '2001:db8::/64' })]);
    const delta = await call(lapi, 'GET', '/v1/decisions/stream', { apiKey: key });
    expect(delta.body.new.map((d: { value: string }) => d.value).sort()).toEqual(['192.0.2.44', '2001:db8::/64']);
    expect((await call(lapi, 'DELETE', '/v1/decisions?ip=192.0.2.44', { token })).body).toEqual({ nbDeleted: '1' });
    expect((await call(lapi, 'GET', '/v1/decisions/stream', { apiKey: key })).body.deleted).toEqual([expect.objectContaining({ value: '192.0.2.44' })]);
  });

  it('keeps its data across a restart', async () => {
    await lapi.close();
    lapi = await startTestLapi({ embeddedDir: dir });
    const key = await lapi.bouncerKey('after-restart');
    expect((await call(lapi, 'GET', '/v1/decisions?ip=2001:db8::1', { apiKey: key })).body).toEqual([expect.objectContaining({ value: '2001:db8::/64' })]);
  }, 60_000);
});
