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
    let now = start;
    const activity = new BouncerActivity(async (id, type, version) => void writes.push([id, type, version]), 100, () => now);
    return { activity, writes, advance: (ms: number) => (now += ms) };
  }
  const row = { id: 7, type: '', version: '', lastPull: null };

  it('writes once for a new client, then not again within the minute, then once more', () => {
    const { activity, writes, advance } = recorder();
    for (let i = 0; i < 100; i++) activity.seen(row, 'crowdsec-custom-bouncer/v0.0.15');
    expect(writes).toEqual([[7, 'crowdsec-custom-bouncer', 'v0.0.15']]);
    advance(RECORD_PULL_EVERY_MS);
    activity.seen(row, 'crowdsec-custom-bouncer/v0.0.15');
    expect(writes).toHaveLength(2);
  });

  it('writes at once when the User-Agent changes (an upgraded bouncer)', () => {
    const { activity, writes } = recorder();
    activity.seen(row, 'cs-nginx-bouncer/v1.0.0');
    activity.seen(row, 'cs-nginx-bouncer/v1.1.0');
    expect(writes.map((w) => w[2])).toEqual(['v1.0.0', 'v1.1.0']);
  });

  it('trusts a fresh row the database already holds, so a restarted process does not rewrite it', () => {
    const { activity, writes } = recorder(Date.parse('2026-01-01T00:00:30Z'));
    activity.seen({ id: 1, type: 'fw', version: 'v1', lastPull: new Date('2026-01-01T00:00:00Z') }, 'fw/v1');
    expect(writes).toEqual([]);
  });

  it('writes again after a failed write', async () => {
    let fail = true;
    const calls: number[] = [];
    const activity = new BouncerActivity(async (id) => {
      calls.push(id);
      if (fail) throw new Error('db down');
    }, 10);
    activity.seen(row, 'fw/v1');
    await new Promise((r) => setImmediate(r));
    fail = false;
    activity.seen(row, 'fw/v1');
    expect(calls).toEqual([7, 7]);
  });
});
