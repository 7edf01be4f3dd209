import {
  buildServices, createTestDatabase, Edge, freePort, insertBouncer, pollUntil, RunningProcess, startComposeEdge, startService, startTestDns, TestDatabase, TestDnsServer,
} from '@lapi/testing';

jest.setTimeout(180_000);

const REPLICAS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

/**
 * `docker compose up --scale decisions=3` without Docker: Debian's nginx runs lapi.conf with
 * upstreams.compose.conf, its resolver a DNS server of the test's standing in for Docker's (the
 * name `decisions` is the addresses of the running replicas), and three real decisions replicas
 * listen on the same port at three loopback addresses, as three containers do.
 */
describe('the compose edge in front of a scaled decisions service', () => {
  let db: TestDatabase;
  let dns: TestDnsServer;
  let edge: Edge;
  let replicas: RunningProcess[] = [];
  let metricsPort: number;
  let key: string;

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
    const port = await freePort();
    metricsPort = await freePort();
    const env = (addr: string) => ({ DATABASE_URL: db.url, LAPI_LISTEN_ADDR: addr, LAPI_METRICS_PORT: String(metricsPort), LAPI_TRUSTED_PROXIES: '127.0.0.0/29' });
    replicas = await Promise.all(REPLICAS.map((addr) => startService('decisions', env(addr), port)));
    key = await insertBouncer(db.url, 'scaled-bouncer');
    // Two replicas up at first, as after `docker compose up` with the default of two.
    dns = await startTestDns({ decisions: REPLICAS.slice(0, 2) });
    edge = await startComposeEdge(dns, port);
  });

  afterAll(async () => {
    await edge?.stop();
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    await dns?.close();
    await db?.drop();
  });

  /** GET /v1/decisions each replica has answered, from its own metrics listener. */
  const served = async (): Promise<number[]> =>
    Promise.all(
      REPLICAS.map(async (addr, i) => {
        if (replicas[i].proc.exitCode !== null || replicas[i].proc.signalCode !== null) return 0;
        const text = await (await fetch(`http://${addr}:${metricsPort}/metrics`)).text();
        return Number(/cs_lapi_bouncer_requests_total\{bouncer="scaled-bouncer",route="\/v1\/decisions",method="GET"\} (\d+)/.exec(text)?.[1] ?? 0);
      }),
    );
  const lookups = async (n: number): Promise<number[]> => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${edge.url}/v1/decisions?ip=192.0.2.1`, { headers: { 'x-api-key': key } });
      await res.text();
      statuses.push(res.status);
    }
    return statuses;
  };
  const delta = (after: number[], before: number[]) => after.map((a, i) => a - before[i]);

  it('sends lookups to the replicas the name resolves to when they come, a third one added without restarting the edge', async () => {
    let before = await served();
    expect(await lookups(30)).toEqual(Array(30).fill(200));
    let got = delta(await served(), before);
    expect(got[2]).toBe(0);
    expect(got[0] + got[1]).toBe(30);
    expect(Math.min(got[0], got[1])).toBeGreaterThan(0);

    // --scale decisions=3: the third container's address joins the name.
    dns.records.set('decisions', REPLICAS);
    await pollUntil(async () => {
      await lookups(5);
      return (await served())[2] > 0;
    }, 'the third replica to get requests once the name lists it', { timeoutMs: 30_000, intervalMs: 500 });

    before = await served();
    expect(await lookups(60)).toEqual(Array(60).fill(200));
    got = delta(await served(), before);
    expect(got.reduce((a, b) => a + b, 0)).toBe(60);
    expect(got.every((n) => n > 0)).toBe(true);
  });

  it('answers a JSON 502 for a service whose name resolves to nothing (scaled to zero), and serves the others meanwhile', async () => {
    // registration is not in the test's DNS: NXDOMAIN, as for a compose service with no container.
    const res = await fetch(`${edge.url}/v1/watchers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 502, body: { message: 'upstream service unavailable' } });
    expect(dns.queries.get('registration')).toBeGreaterThan(0);
    expect(await lookups(3)).toEqual([200, 200, 200]);
  });

  it('skips a stopped replica whose address the name still lists: every lookup answered by the others', async () => {
    await replicas[1].stop('SIGKILL');
    expect(dns.records.get('decisions')).toContain(REPLICAS[1]);
    const before = await served();
    expect(await lookups(60)).toEqual(Array(60).fill(200));
    const got = delta(await served(), before);
    expect(got[1]).toBe(0);
    expect(got[0] + got[2]).toBe(60);
    expect(got[0]).toBeGreaterThan(0);
    expect(got[2]).toBeGreaterThan(0);
  });
});
