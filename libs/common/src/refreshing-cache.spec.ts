import { RefreshingCache } from './refreshing-cache';

describe('RefreshingCache', () => {
  afterEach(() => jest.useRealTimers());

  it('serves a fresh entry without loading, and loads again once it is older than the TTL', async () => {
    let loads = 0;
    const cache = new RefreshingCache(1000, async (k: string) => `${k}${++loads}`);
    expect(await cache.get('a')).toBe('a1');
    expect(await cache.get('a')).toBe('a1');
    jest.useFakeTimers({ now: Date.now() + 1001 });
    expect(await cache.get('a')).toBe('a2');
  });

  it('serves the last known value when a reload fails, and fails when there is none', async () => {
    let fail = false;
    const cache = new RefreshingCache(1000, async (k: string) => {
      if (fail) throw new Error('database away');
      return k;
    });
    expect(await cache.get('a')).toBe('a');
    fail = true;
    jest.useFakeTimers({ now: Date.now() + 1001 });
    expect(await cache.get('a')).toBe('a');
    await expect(cache.get('b')).rejects.toThrow('database away');
  });

  it('forgets a deleted key at once', async () => {
    let loads = 0;
    const cache = new RefreshingCache(60_000, async () => ++loads);
    await cache.get('a');
    cache.delete('a');
    expect(await cache.get('a')).toBe(2);
  });

  it('evicts the least recently used entry when full, keeping the ones in use', async () => {
    let loads = 0;
    const cache = new RefreshingCache(60_000, async (k: string) => `${k}${++loads}`, 3);
    await cache.get('in-use');
    for (const k of ['x', 'y', 'z']) {
      expect(cache.get('in-use')).toBe('in-use1');
      await cache.get(k);
    }
    expect(cache.get('in-use')).toBe('in-use1');
    expect(cache.get('x')).toBeInstanceOf(Promise);
    expect(loads).toBe(5);
  });

  it('reloads a key on demand, and a load that started earlier and ends later does not replace it', async () => {
    const answers: ((v: string) => void)[] = [];
    const cache = new RefreshingCache(60_000, () => new Promise<string>((resolve) => answers.push(resolve)));
    const older = cache.get('a');
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'], now: Date.now() + 10 });
    const newer = cache.reload('a');
    answers[1]('after the write');
    expect(await newer).toBe('after the write');
    answers[0]('before the write');
    expect(await older).toBe('before the write');
    expect(cache.get('a')).toBe('after the write');
  });
});
