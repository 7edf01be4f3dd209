import { createTestDatabase, sql, TestDatabase } from '@lapi/testing';
import { BouncersRepository, Database, openDatabase } from '@lapi/db';
import { StreamCursors } from './stream-cursors';

// Many bouncers' polls share one statement; each gets what a poll alone would.
describe('StreamCursors (group commit of stream cursors) on Postgres', () => {
  let tdb: TestDatabase;
  let db: Database;
  let repo: BouncersRepository;
  let cursors: StreamCursors;
  let ids: number[];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url, dataDir: '' });
    repo = new BouncersRepository(db.dataSource);
    cursors = new StreamCursors(repo);
    await sql(tdb.url, "INSERT INTO bouncers (name, api_key_hash) SELECT 'b-' || i, 'h-' || i FROM generate_series(1, 200) AS i");
    await sql(tdb.url, 'UPDATE change_head SET seq = 10 WHERE id = 1');
    ids = (await sql<{ id: number }>(tdb.url, 'SELECT id FROM bouncers ORDER BY id')).map((r) => r.id);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  const cursorOf = async (id: number) => (await sql<{ last_seq: string; delivering_from: string | null }>(tdb.url, 'SELECT last_seq, delivering_from FROM bouncers WHERE id = $1', [id]))[0];

  it('moves the cursors of 200 concurrent polls in a few statements, each as a poll alone would, and confirms them together', async () => {
    const statements = jest.spyOn(repo, 'takeCursors');
    const taken = await Promise.all(ids.map((id, i) => cursors.take(id, false, 10, 1000 + i)));
    expect(taken.map((t) => t && { outcome: t.outcome, from: t.from })).toEqual(ids.map(() => ({ outcome: 'started', from: 0 })));
    expect(statements.mock.calls.length).toBeLessThan(10);
    expect(await cursorOf(ids[0])).toEqual({ last_seq: '10', delivering_from: '0' });
    await Promise.all(ids.map((id, i) => cursors.confirm(id, 1000 + i)));
    expect(await cursorOf(ids[199])).toEqual({ last_seq: '10', delivering_from: null });
    const again = await Promise.all(ids.map((id, i) => cursors.take(id, false, 10, 2000 + i)));
    expect(new Set(again.map((t) => `${t?.outcome} ${t?.from}`))).toEqual(new Set(['nothing 10']));
    statements.mockRestore();
  });

  it('lets a second poll of one bouncer find the first one in flight (busy) until it is confirmed', async () => {
    await sql(tdb.url, 'UPDATE change_head SET seq = 12 WHERE id = 1');
    const [first, second] = await Promise.all([cursors.take(ids[0], false, 12, 7), cursors.take(ids[0], false, 12, 8)]);
    expect(first).toEqual({ id: ids[0], outcome: 'started', from: 10 });
    expect(second).toEqual({ id: ids[0], outcome: 'busy', from: 10 });
    await cursors.confirm(ids[0], 7);
    expect(await cursors.take(ids[0], false, 12, 9)).toEqual({ id: ids[0], outcome: 'nothing', from: 12 });
  });

  it('sends an overdue delivery again from where it started', async () => {
    expect(await cursors.take(ids[1], false, 12, 11)).toEqual({ id: ids[1], outcome: 'started', from: 10 });
    await sql(tdb.url, "UPDATE bouncers SET delivering_until = now() - interval '1 second' WHERE id = $1", [ids[1]]);
    expect(await cursors.take(ids[1], false, 12, 12)).toEqual({ id: ids[1], outcome: 'started', from: 10 });
  });

  it('moves nothing for a replica ahead of the database, and answers nothing for a deleted bouncer', async () => {
    expect(await cursors.take(ids[2], false, 99, 13)).toEqual({ id: ids[2], outcome: 'ahead', from: 10 });
    expect(await cursorOf(ids[2])).toEqual({ last_seq: '10', delivering_from: null });
    await sql(tdb.url, 'DELETE FROM bouncers WHERE id = $1', [ids[3]]);
    expect(await cursors.take(ids[3], false, 12, 14)).toBeUndefined();
  });

  it('moves a push stream\'s cursor forward only, never past the database head', async () => {
    cursors.advance(ids[4], 11);
    cursors.advance(ids[5], 50);
    await cursors.take(ids[6], false, 12, 15);
    expect((await cursorOf(ids[4])).last_seq).toBe('11');
    expect((await cursorOf(ids[5])).last_seq).toBe('10');
    cursors.advance(ids[4], 5);
    await cursors.take(ids[7], false, 12, 16);
    expect((await cursorOf(ids[4])).last_seq).toBe('11');
  });
});
