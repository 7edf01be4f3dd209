import { insertBouncer, lapictlWith, newAlert, newDecision, pollUntil, RunningProcess, startService, startTcpProxy, startTestCluster, TcpProxy, TestCluster } from '@lapi/testing';

jest.setTimeout(180_000);

const AGENTS = 4;
const BOUNCERS = 6;
/** Each way, on the replica's link to Postgres only: its bus stays fast, so its index runs ahead of what the database tells it late. */
const LINK_DELAY_MS = 300;

/**
 * A decisions replica whose database answers late (a slow link, or a saturated replica reading
 * its answers late), while agents push through ingest, bouncers poll the replica and an admin adds
 * decisions. The replica's index follows the bus, so every head the database gives it is behind
 * its own; that must not make it take its index for one ahead of the database and swap in a
 * rebuilt one behind the cursors its polls have just taken (deliveries were lost that way at
 * 10,000 bouncers). Every bouncer gets every decision exactly once.
 */
describe('a decisions replica on a slow database link, under agents, bouncers and lapictl', () => {
  let cluster: TestCluster;
  let db: TestCluster['db'];
  let proxy: TcpProxy;
  let ingest: RunningProcess;
  let replica: RunningProcess;
  const lapictl = lapictlWith(() => cluster.env);

  beforeAll(async () => {
    // Ingest only: the one replica is started on the slow link below.
    cluster = await startTestCluster({ registration: false, decisions: 0 });
    ({ db, ingest } = cluster);
    const pg = new URL(db.url);
    proxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
    const slow = new URL(db.url);
    slow.port = String(proxy.port);
    replica = await startService('decisions', { ...cluster.env, DATABASE_URL: slow.toString() });
  });
  afterAll(async () => {
    await replica?.stop('SIGKILL');
    await proxy?.close();
    await cluster?.stop();
  });

  async function agentTokens(): Promise<string[]> {
    const tokens: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      await lapictl({}, 'machines', 'add', `slow-agent-${i}`, '--password', 'agent-password-1');
      tokens.push(await cluster.login(`slow-agent-${i}`, 'agent-password-1'));
    }
    return tokens;
  }

  it('delivers every decision exactly once to every polling bouncer', async () => {
    const tokens = await agentTokens();
    const keys = await Promise.all(Array.from({ length: BOUNCERS }, (_, i) => insertBouncer(db.url, `slow-b-${i}`)));
    const received = keys.map(() => new Map<string, number>());
    const poll = async (b: number) => {
      const res = await fetch(`${replica.url}/v1/decisions/stream`, { headers: { 'x-api-key': keys[b] } });
      if (res.status !== 200) return;
      for (const d of ((await res.json()) as { new: { value: string }[] | null }).new ?? []) received[b].set(d.value, (received[b].get(d.value) ?? 0) + 1);
    };
    // Each bouncer's startup poll, before the link slows down.
    for (const b of keys.keys()) {
      expect((await fetch(`${replica.url}/v1/decisions/stream?startup=true`, { headers: { 'x-api-key': keys[b] } })).status).toBe(200);
    }
    proxy.setDelay(LINK_DELAY_MS);

    let running = true;
    const bouncers = keys.map(async (_, b) => {
      while (running) {
        await poll(b).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const accepted: string[] = [];
    const agents = tokens.map(async (token, a) => {
      for (let i = 0; running; i++) {
        const value = `10.77.${a}.${i}`;
        const res = await fetch(`${ingest.url}/v1/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]),
        }).catch(() => undefined);
        if (res?.status === 201) accepted.push(value);
        await new Promise((r) => setTimeout(r, 40));
      }
    });
    const admin = (async () => {
      for (let i = 0; running; i++) {
        await lapictl({}, 'decisions', 'add', '--ip', `10.78.0.${i}`, '--duration', '1h');
        accepted.push(`10.78.0.${i}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    await new Promise((r) => setTimeout(r, 8000));
    running = false;
    await Promise.all([...agents, admin]);
    await Promise.all(bouncers);
    expect(accepted.length).toBeGreaterThan(100);

    // The link heals; polling on, every bouncer catches up, and a repeat would show by now.
    proxy.setDelay(0);
    await pollUntil(
      async () => {
        await Promise.all(keys.map((_, b) => poll(b)));
        return received.every((got) => accepted.every((v) => got.has(v)));
      },
      'every bouncer to have every decision',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const got of received) {
      const missing = accepted.filter((v) => !got.has(v));
      const repeated = [...got].filter(([, n]) => n > 1);
      expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });
    }
  });
});
