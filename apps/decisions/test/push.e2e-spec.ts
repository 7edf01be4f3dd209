import { Edge, insertBouncer, newAlert, newDecision, pollUntil, PushClient, RunningProcess, startPushClient, startService, startTestCluster, TestCluster } from '@lapi/testing';

jest.setTimeout(180_000);

const REG_TOKEN = 'p'.repeat(40);
const PUSH_BOUNCERS = 6;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Push bouncers (Server-Sent Events) behind the edge, on two decisions replicas: one replica is
 * killed and restarted while decisions keep coming, and connections are cut at random. Each
 * bouncer reconnects with its Last-Event-ID, as EventSource does.
 */
describe('push delivery through the edge and two decisions replicas', () => {
  let cluster: TestCluster;
  let db: TestCluster['db'];
  let env: Record<string, string>;
  /** The two decisions replicas: a restarted one takes its predecessor's place, so the cluster stops it. */
  let replicas: RunningProcess[];
  let edge: Edge;
  let token: string;
  const clients: PushClient[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster({ edge: true, registrationToken: REG_TOKEN, env: { LAPI_JWT_SECRET: 'q'.repeat(40), LAPI_PUSH_HEARTBEAT: '1s' } });
    ({ db, env, decisions: replicas } = cluster);
    edge = cluster.edge!;
    await cluster.registerMachine('agent', 'pw');
    token = await cluster.login('agent', 'pw');
  });

  afterAll(async () => {
    for (const c of clients) c.stop();
    await cluster?.stop();
  });

  const push = async (value: string) => {
    const res = await fetch(`${edge.url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]),
    });
    await res.arrayBuffer();
    return res.status;
  };

  // First: the kills below leave nginx holding replicas as failed for a while (its passive checks).
  it('refuses a Last-Event-ID this LAPI never issued, with a JSON 400', async () => {
    const key = await insertBouncer(db.url, 'push-forged');
    const res = await fetch(`${edge.url}/v1/decisions/stream`, { headers: { 'x-api-key': key, accept: 'text/event-stream', 'last-event-id': '999999999' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('Last-Event-ID');
    const garbage = await fetch(`${edge.url}/v1/decisions/stream`, { headers: { 'x-api-key': key, accept: 'text/event-stream', 'last-event-id': 'abc' } });
    expect(garbage.status).toBe(400);
  });
  it('delivers every decision exactly once to every push bouncer and to a polling one, through a replica kill and restart and random drops', async () => {
    const keys = await Promise.all(Array.from({ length: PUSH_BOUNCERS }, (_, i) => insertBouncer(db.url, `push-${i}`)));
    clients.push(...keys.map((key) => startPushClient(() => edge.url, key)));
    await pollUntil(() => clients.every((c) => c.lastEventId !== undefined), 'every push bouncer to have its first event');

    // A polling bouncer beside them, through the same edge.
    const pollKey = await insertBouncer(db.url, 'poller');
    const polled = new Map<string, number>();
    let polling = true;
    const poller = (async () => {
      for (let i = 0; polling; i++) {
        try {
          const res = await fetch(`${edge.url}/v1/decisions/stream${i === 0 ? '?startup=true' : ''}`, { headers: { 'x-api-key': pollKey } });
          if (res.status === 200) for (const d of ((await res.json()) as { new: { value: string }[] | null }).new ?? []) polled.set(d.value, (polled.get(d.value) ?? 0) + 1);
          else if (i === 0) i = -1;
        } catch {
          if (i === 0) i = -1;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const acceptedAt = new Map<string, { sent: number; answered: number }>();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const value = `10.30.${(i >> 8) & 255}.${i & 255}`;
        const sent = performance.now();
        try {
          if ((await push(value)) === 201) acceptedAt.set(value, { sent, answered: performance.now() });
        } catch {
          // not accepted: not expected anywhere
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let dropping = true;
    let drops = 0;
    const dropper = (async () => {
      while (dropping) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
        clients[Math.floor(Math.random() * clients.length)].drop();
        drops++;
      }
    })();

    await new Promise((r) => setTimeout(r, 2000));
    const [, d2] = replicas;
    await d2.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    replicas[1] = await startService('decisions', env, d2.port);
    await new Promise((r) => setTimeout(r, 3000));
    writing = false;
    await writer;
    dropping = false;
    await dropper;
    expect(acceptedAt.size).toBeGreaterThan(100);

    const accepted = [...acceptedAt.keys()];
    await pollUntil(() => clients.every((c) => accepted.every((v) => c.received.has(v))) && accepted.every((v) => polled.has(v)), 'every bouncer to have every decision', { timeoutMs: 20_000, intervalMs: 100 });
    // A repeat would show up now.
    await new Promise((r) => setTimeout(r, 1000));
    polling = false;
    await poller;

    for (const c of clients) {
      const missing = accepted.filter((v) => !c.received.has(v));
      const repeated = [...c.received].filter(([, n]) => n > 1);
      expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });
      expect(c.refusals).toEqual([]);
    }
    expect([...polled].filter(([, n]) => n > 1)).toEqual([]);
    expect(clients.reduce((a, c) => a + c.connects, 0)).toBeGreaterThan(PUSH_BOUNCERS + 5);

    // From the push's answer (its commit is before it) to each bouncer's event, apart for decisions
    // committed while the bouncer's connection was open (sent after it opened: pushed in a round)
    // and those a reconnect caught up with (their wait includes the time the bouncer was away).
    const live: number[] = [];
    const caughtUp: number[] = [];
    for (const c of clients) {
      for (const [v, t] of acceptedAt) {
        const latency = Math.max(0, c.arrivedAt.get(v)! - t.answered);
        (t.sent >= c.connectedAt.get(v)! ? live : caughtUp).push(latency);
      }
    }
    expect(live.length).toBeGreaterThan(caughtUp.length);
    const summary = (ms: number[]) => {
      if (ms.length === 0) return 'none';
      ms.sort((a, b) => a - b);
      return `${ms.length} deliveries, p50 ${percentile(ms, 50).toFixed(1)} ms p99 ${percentile(ms, 99).toFixed(1)} ms max ${ms[ms.length - 1].toFixed(1)} ms`;
    };
    console.log(
      `push: ${accepted.length} decisions × ${clients.length} bouncers, ${drops} drops, ${clients.reduce((a, c) => a + c.connects, 0)} connects; ` +
        `from the push's answer: on an open stream ${summary(live)}; caught up by a reconnect ${summary(caughtUp)}`,
    );
  });

  it('keeps an idle stream open through the edge with heartbeat comments', async () => {
    const idle = startPushClient(() => edge.url, await insertBouncer(db.url, 'push-idle'));
    clients.push(idle);
    await pollUntil(() => idle.lastEventId !== undefined, 'the first event');
    const connects = idle.connects;
    // LAPI_PUSH_HEARTBEAT is 1s here.
    await pollUntil(() => idle.heartbeats >= 2, 'two heartbeats', { timeoutMs: 10_000 });
    expect(idle.connects).toBe(connects);
  });

  it('ends its streams when a replica stops (SIGTERM), and their bouncers carry on from the other replica', async () => {
    let stopped = false;
    const keys = await Promise.all([0, 1, 2].map((i) => insertBouncer(db.url, `push-term-${i}`)));
    const onReplica = keys.map((key) => startPushClient(() => (stopped ? replicas[1].url : replicas[0].url), key));
    clients.push(...onReplica);
    await pollUntil(() => onReplica.every((c) => c.lastEventId !== undefined), 'the first events');
    // Resolves once the process has exited: a stream left open would hold the shutdown (and time the test out).
    await replicas[0].stop('SIGTERM');
    stopped = true;
    expect(await push('192.0.2.222')).toBe(201);
    await pollUntil(() => onReplica.every((c) => c.received.get('192.0.2.222') === 1 && c.connects === 2), 'the decision on every stream, reconnected once');
    replicas[0] = await startService('decisions', env, replicas[0].port);
  });


});
