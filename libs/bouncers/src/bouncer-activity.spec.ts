import { BouncerActivity, parseBouncerUserAgent, RECORD_PULL_EVERY_MS } from './bouncer-activity';

describe('parseBouncerUserAgent', () => {
  it('splits type/version as upstream, and keeps a header without one slash whole with N/A', () => {
    expect(parseBouncerUserAgent('crowdsec-firewall-bouncer/v0.0.28')).toEqual({ type: 'crowdsec-firewall-bouncer', version: 'v0.0.28' });
    expect(parseBouncerUserAgent('curl')).toEqual({ type: 'curl', version: 'N/A' });
    expect(parseBouncerUserAgent('a/b/c')).toEqual({ type: 'a/b/c', version: 'N/A' });
    expect(parseBouncerUserAgent('')).toEqual({ type: '', version: 'N/A' });
  });
});

describe('BouncerActivity', () => {
  function recorder(start = 1_000_000) {
    const writes: [number, string, string][] = [];
    const pulls: Date[] = [];
    const batches: number[] = [];
    let now = start;
    const activity = new BouncerActivity(async (clients) => {
      batches.push(clients.length);
      for (const c of clients) writes.push([c.id, c.type, c.version]);
      pulls.push(...clients.map((c) => c.pulledAt));
    }, 100, () => now, 60_000);
    return { activity, writes, pulls, batches, advance: (ms: number) => (now += ms) };
  }
  const row = { id: 7, type: '', version: '', lastPull: null };

  it('writes once for a new client, then not again within the minute, then once more', async () => {
    const { activity, writes, advance } = recorder();
    for (let i = 0; i < 100; i++) activity.seen(row, 'crowdsec-custom-bouncer/v0.0.15');
    await activity.flush();
    expect(writes).toEqual([[7, 'crowdsec-custom-bouncer', 'v0.0.15']]);
    advance(RECORD_PULL_EVERY_MS);
    activity.seen(row, 'crowdsec-custom-bouncer/v0.0.15');
    await activity.flush();
    expect(writes).toHaveLength(2);
  });

  it('writes the latest client when the User-Agent changes (an upgraded bouncer)', async () => {
    const { activity, writes } = recorder();
    activity.seen(row, 'cs-nginx-bouncer/v1.0.0');
    await activity.flush();
    activity.seen(row, 'cs-nginx-bouncer/v1.1.0');
    activity.seen(row, 'cs-nginx-bouncer/v1.2.0');
    await activity.flush();
    expect(writes.map((w) => w[2])).toEqual(['v1.0.0', 'v1.2.0']);
  });

  it('records each pull at the time it was seen, not when its batch is written', async () => {
    const { activity, pulls, advance } = recorder(1_000_000);
    activity.seen(row, 'fw/v1');
    advance(900);
    await activity.flush();
    expect(pulls).toEqual([new Date(1_000_000)]);
  });

  it('writes the rows seen within one flush in one batch', async () => {
    const { activity, writes, batches } = recorder();
    for (let id = 1; id <= 50; id++) activity.seen({ ...row, id }, 'fw/v1');
    await activity.flush();
    expect(batches).toEqual([50]);
    expect(new Set(writes.map((w) => w[0])).size).toBe(50);
  });

  it('flushes by itself within the interval', async () => {
    const writes: number[] = [];
    const activity = new BouncerActivity(async (clients) => void writes.push(...clients.map((c) => c.id)), 10, Date.now, 20);
    activity.seen(row, 'fw/v1');
    expect(writes).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(writes).toEqual([7]);
  });

  it('trusts a fresh row the database already holds, so a restarted process does not rewrite it', async () => {
    const { activity, writes } = recorder(Date.parse('2026-01-01T00:00:30Z'));
    activity.seen({ id: 1, type: 'fw', version: 'v1', lastPull: new Date('2026-01-01T00:00:00Z') }, 'fw/v1');
    await activity.flush();
    expect(writes).toEqual([]);
  });

  it('writes again after a failed write', async () => {
    let fail = true;
    const calls: number[] = [];
    const activity = new BouncerActivity(async (clients) => {
      calls.push(...clients.map((c) => c.id));
      if (fail) throw new Error('db down');
    }, 10, Date.now, 60_000);
    jest.spyOn((activity as unknown as { logger: { warn: (m: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    activity.seen(row, 'fw/v1');
    await activity.flush();
    fail = false;
    activity.seen(row, 'fw/v1');
    await activity.flush();
    expect(calls).toEqual([7, 7]);
  });
});
