import { MultiMap } from './multi-map';

describe('MultiMap', () => {
  it('keeps one or several values per key and forgets emptied keys', () => {
    const m = new MultiMap<string, number>();
    m.add('a', 1);
    m.add('a', 2);
    m.add('b', 3);
    expect([...m.get('a')]).toEqual([1, 2]);
    expect(m.count('b')).toBe(1);
    m.delete('a', 1);
    expect([...m.get('a')]).toEqual([2]);
    m.delete('a', 2);
    m.delete('b', 3);
    expect(m.size).toBe(0);
    expect([...m.values()]).toEqual([]);
  });

  it('ignores deleting a value that is not there', () => {
    const m = new MultiMap<string, number>();
    m.add('a', 1);
    m.delete('a', 9);
    m.delete('z', 1);
    expect([...m.values()]).toEqual([1]);
  });

  it('counts the keys holding more than one value, as values come and go', () => {
    const m = new MultiMap<string, number>();
    m.add('a', 1);
    m.add('b', 2);
    expect(m.sharedKeys).toBe(0);
    m.add('a', 3);
    m.add('a', 4);
    expect(m.sharedKeys).toBe(1);
    m.delete('a', 3);
    expect(m.sharedKeys).toBe(1);
    m.delete('a', 1);
    expect(m.sharedKeys).toBe(0);
    m.delete('a', 4);
    expect(m.size).toBe(1);
  });
});
