import { percentile } from './percentile';

describe('percentile (nearest rank)', () => {
  it('takes the value at the rank that covers p percent of the sorted values', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 99)).toBe(20);
    expect(percentile([7], 99)).toBe(7);
  });

  it('has none for no values', () => {
    expect(percentile([], 99)).toBeUndefined();
  });
});
