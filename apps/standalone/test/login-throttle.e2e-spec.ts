import { MachinesService } from '@lapi/machines';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

const login = (lapi: TestLapi, machine_id: string, password: string) => call(lapi, 'POST', '/v1/watchers/login', { body: { machine_id, password } });

describe('login throttling', () => {
  let a: TestLapi;
  let b: TestLapi;

  beforeAll(async () => {
    a = await startTestLapi({ loginMaxFailures: 5 });
    // A second node on the same database, as two ingest replicas are.
    b = await startTestLapi({ loginMaxFailures: 5, sharedDatabaseUrl: a.db!.url });
    for (const m of ['concurrent', 'spread', 'neighbour', 'timed']) await a.app.get(MachinesService).add(m, 'right-password', { validated: true });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('lets no more than the limit of concurrent wrong guesses reach the password check', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => login(a, 'concurrent', 'wrong')));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('counts failures across the cluster, not per process', async () => {
    for (let i = 0; i < 3; i++) expect((await login(a, 'spread', 'wrong')).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await login(b, 'spread', 'wrong')).status).toBe(401);
    expect((await login(b, 'spread', 'wrong')).status).toBe(429);
    expect((await login(a, 'spread', 'right-password')).status).toBe(429);
  });

  it('does not lock out another machine behind the same address (a NAT neighbour)', async () => {
    for (let i = 0; i < 6; i++) await login(a, 'someone-else', 'guess');
    expect((await login(a, 'someone-else', 'guess')).status).toBe(429);
    expect((await login(a, 'neighbour', 'right-password')).status).toBe(200);
  });

  it('takes as long for an unknown machine id as for a known one, so ids cannot be told apart by timing', async () => {
    const median = async (machineId: string) => {
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const t0 = performance.now();
        expect((await login(b, machineId, `wrong-${i}`)).status).toBe(401);
        times.push(performance.now() - t0);
      }
      return times.sort((x, y) => x - y)[2];
    };
    const known = await median('timed');
    const unknown = await median('no-such-machine');
    expect(unknown).toBeGreaterThan(known * 0.5);
  });
});
