import { InProcessBus } from '@lapi/bus';
import { BouncerEntity, BouncersRepository } from '@lapi/db';
import { hashApiKey, newApiKey } from './api-key';
import { BouncersService } from './bouncers.service';

/** A repository holding one bouncer row, counting its key look-ups and answering them after a tick. */
function repositoryWithOneBouncer(key: string) {
  const row = { id: 1, name: 'fw', apiKeyHash: hashApiKey(key), ipAddress: '192.0.2.1', lastSeq: '0' } as BouncerEntity;
  const repo = {
    lookups: 0,
    recordClients: async () => undefined,
    rows: [row],
    async findByKeyHash(hash: string) {
      repo.lookups++;
      await new Promise((r) => setTimeout(r, 5));
      return repo.rows.filter((r) => r.apiKeyHash === hash);
    },
    tableVersion: async () => repo.rows.map((r) => r.id).join(','),
    listKeyRows: async () => repo.rows,
  };
  return repo;
}

describe('BouncersService key checks', () => {
  const made: BouncersService[] = [];
  // The services' one-second table checks start with their first key check: stopped after each test.
  afterEach(() => {
    jest.useRealTimers();
    made.splice(0).forEach((s) => s.onModuleDestroy());
  });
  const serviceOf = (repo: unknown, bus = new InProcessBus()) => {
    const s = new BouncersService(repo as BouncersRepository, bus);
    made.push(s);
    return s;
  };

  it('answers a key from memory however long ago it was read while the table is unchanged', async () => {
    const repo = repositoryWithOneBouncer('k');
    const service = serviceOf(repo);
    expect(await service.identify('k', '192.0.2.1')).toMatchObject({ id: 1, name: 'fw' });
    await service.checkTable();
    jest.useFakeTimers({ doNotFake: ['setTimeout'], now: Date.now() + 3_600_000 });
    await service.checkTable();
    expect(service.identify('k', '192.0.2.1')).toMatchObject({ id: 1, name: 'fw' });
    expect(repo.lookups).toBe(1);
  });

  it('forgets a key another process deleted at the next table check, and answers the requests that follow from one read', async () => {
    const repo = repositoryWithOneBouncer('k');
    const service = serviceOf(repo);
    expect(await service.identify('k', '192.0.2.1')).toMatchObject({ id: 1 });
    await service.checkTable();
    repo.rows = [];
    await service.checkTable();
    const answers = await Promise.allSettled(Array.from({ length: 50 }, async () => service.identify('k', '192.0.2.1')));
    expect(answers.every((a) => a.status === 'rejected')).toBe(true);
    expect(repo.lookups).toBe(2);
  });

  it('keeps trusting the keys that still match after another bouncer is added', async () => {
    const repo = repositoryWithOneBouncer('k');
    const service = serviceOf(repo);
    await service.identify('k', '192.0.2.1');
    await service.checkTable();
    repo.rows = [...repo.rows, { id: 2, name: 'other', apiKeyHash: hashApiKey('k2'), ipAddress: '' } as BouncerEntity];
    await service.checkTable();
    expect(service.identify('k', '192.0.2.1')).toMatchObject({ id: 1 });
    expect(repo.lookups).toBe(1);
  });

  it.each([
    ['claims the key\'s unclaimed row', '', 1],
    ['gets a row of its own', '192.0.2.1', 2],
  ])('answers a new host from memory right after its first call, which %s, while the database is away', async (_name, firstRowIp, expectedId) => {
    const repo = repositoryWithOneBouncer('k');
    repo.rows[0].ipAddress = firstRowIp;
    let away = false;
    const findByKeyHash = repo.findByKeyHash.bind(repo);
    Object.assign(repo, {
      findByKeyHash: (hash: string) => (away ? Promise.reject(new Error('connection refused')) : findByKeyHash(hash)),
      claimForHost: async (id: number, ip: string) => {
        const row = repo.rows.find((r) => r.id === id && r.ipAddress === '');
        if (row) row.ipAddress = ip;
        return !!row;
      },
      create: async (name: string, apiKeyHash: string, ipAddress: string) => {
        repo.rows.push({ id: repo.rows.length + 1, name, apiKeyHash, ipAddress, lastSeq: '0' } as BouncerEntity);
        return true;
      },
    });
    const service = serviceOf(repo);
    expect(await service.identify('k', '198.51.100.7')).toMatchObject({ id: expectedId });
    away = true;
    expect(service.identify('k', '198.51.100.7')).toMatchObject({ id: expectedId });
    expect(repo.rows.map((r) => r.ipAddress)).toContain('198.51.100.7');
  });

  it('answers a known key at once, without a promise', async () => {
    const repo = repositoryWithOneBouncer('k');
    const service = serviceOf(repo);
    expect(service.identify('k', '192.0.2.1')).toBeInstanceOf(Promise);
    await service.identify('k', '192.0.2.1');
    expect(service.identify('k', '192.0.2.1')).toEqual({ id: 1, name: 'fw', lastSeq: '0' });
    expect(repo.lookups).toBe(1);
  });

  it('refuses an unknown or missing key with a 403 message', async () => {
    const service = serviceOf(repositoryWithOneBouncer('k'));
    await expect(async () => service.identify('nope', '192.0.2.1')).rejects.toThrow('access forbidden');
    expect(() => service.identify(undefined, '192.0.2.1')).toThrow('access forbidden');
  });

  it('answers a deletion from the commit when the revocation publish fails, and refuses the key at once', async () => {
    const key = newApiKey();
    const row = { id: 1, name: 'fw', apiKeyHash: hashApiKey(key), ipAddress: '192.0.2.1', lastSeq: '0' } as BouncerEntity;
    let rows = [row];
    const repo = {
      findByKeyHash: async (hash: string) => rows.filter((r) => r.apiKeyHash === hash),
      findByName: async (name: string) => rows.find((r) => r.name === name) ?? null,
      findByKeyHashOf: async (name: string) => rows.filter((r) => r.name === name).map((r) => r.apiKeyHash),
      deleteByName: async (name: string) => void (rows = rows.filter((r) => r.name !== name)),
      recordClients: async () => undefined,
    };
    const bus = new InProcessBus();
    jest.spyOn(bus, 'publishRevocation').mockRejectedValue(new Error('CONNECTION_CLOSED'));
    const service = serviceOf(repo, bus);
    expect(await service.identify(key, '192.0.2.1')).toMatchObject({ name: 'fw' });
    await expect(service.delete('fw')).resolves.toBeUndefined();
    expect(bus.publishRevocation).toHaveBeenCalled();
    await expect(async () => service.identify(key, '192.0.2.1')).rejects.toThrow('access forbidden');
  });

  it.each([
    ['longer than 256 characters', 'k'.repeat(257)],
    ['with a space', 'a key'],
    ['with a control character', 'key\u0001'],
    ['with non-ASCII characters', 'clé'],
  ])('refuses a key %s without hashing it or asking the database', (_name, bad) => {
    const repo = repositoryWithOneBouncer('k');
    const service = serviceOf(repo);
    expect(() => service.identify(bad, '192.0.2.1')).toThrow('access forbidden');
    expect(repo.lookups).toBe(0);
  });

  it('accepts the keys lapictl makes and keys of a user\'s choice in printable ASCII', async () => {
    for (const key of [newApiKey(), 'my-Key_1.2+3/4=5~!', 'x']) {
      const service = serviceOf(repositoryWithOneBouncer(key));
      await expect(service.identify(key, '192.0.2.1')).resolves.toMatchObject({ id: 1 });
    }
  });
});
